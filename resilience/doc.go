// Package resilience makes storage calls survive and report failures:
// retry policies, fallbacks, a circuit breaker and Prometheus metrics,
// the Go form of the seed's withErrorHandling, ErrorRecoveryStrategy,
// createCircuitBreaker and globalErrorMetrics.
//
// Classify names the kind of any error (not found, conflict, transient,
// ambiguous, circuit open, ...) and Retryable says which ones another
// attempt may fix; every piece of the package decides with them. Do runs
// one operation with retry, fallback or fail-fast handling and logs its
// failures.
//
// The rest are storage.Bucket wrappers, stacked in the order the caller
// chooses:
//
//	b = resilience.Instrument(resilience.Breaker(resilience.Retry(s3, policy), settings), registry)
//
// Retry repeats only the calls that are safe to repeat and never re-sends
// a conditional write; Breaker fails fast while the store is failing;
// Instrument records every call, and the retries and breaker states of
// the wrappers below it. In this order each call the caller makes is
// counted once, the breaker counts a call as failed only after its
// retries, and a call refused by the open breaker is counted with
// outcome "circuit_open".
//
// resilience sits below the doc package: doc.Policy is Policy, and
// Metrics has methods shaped like doc.Hooks for the document layer's
// conflicts, retries, batches and ambiguous writes.
package resilience
