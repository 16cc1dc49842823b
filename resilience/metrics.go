package resilience

import (
	"errors"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the Prometheus collectors of r2kit's storage and
// document layers, the Go form of the seed's globalErrorMetrics. With
// the default namespace "r2kit" they are:
//
//	r2kit_storage_operations_total{op,backend,outcome}   calls by outcome: "ok" or a Kind
//	r2kit_storage_operation_duration_seconds{op,backend} latency histogram (a Get until it returns the Object)
//	r2kit_storage_errors_total{backend,kind}             failed calls by Kind
//	r2kit_storage_read_bytes_total{backend}              Get body bytes read by the caller
//	r2kit_storage_written_bytes_total{backend}           Put body bytes read by the backend
//	r2kit_storage_retries_total{op,backend,kind}         attempts that a Retry wrapper retried, by the Kind of their error
//	r2kit_circuit_breaker_state{name}                    0 closed, 1 half-open, 2 open (half-open from the first call after RecoveryTimeout)
//	r2kit_circuit_breaker_transitions_total{name,to}     state changes, by new state
//	r2kit_doc_conflicts_total                            conditional writes that lost (doc.Hooks.Conflict)
//	r2kit_doc_retries_total{kind}                        Update retries, by the Kind of their cause (doc.Hooks.Retry)
//	r2kit_doc_batch_size                                 Updates committed per write (doc.Hooks.Batch)
//	r2kit_doc_ambiguous_writes_total{outcome}            resolved ambiguous writes: committed, not_committed, conflict (doc.Hooks.Ambiguous)
//
// op is "stat", "get", "put", "delete" or "list". Keys are never
// labels: they would make the series unbounded.
//
// The Observe methods have the signatures of the doc package's Hooks
// fields, so that a doc.Store reports to the same Metrics:
//
//	doc.Hooks{Conflict: m.ObserveConflict, Retry: m.ObserveRetry, Batch: m.ObserveBatch, Ambiguous: m.ObserveAmbiguous}
//
// A Metrics is safe for concurrent use.
type Metrics struct {
	ops            *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	errors         *prometheus.CounterVec
	readBytes      *prometheus.CounterVec
	writtenBytes   *prometheus.CounterVec
	retries        *prometheus.CounterVec
	breakerState   *prometheus.GaugeVec
	breakerChanges *prometheus.CounterVec
	docConflicts   prometheus.Counter
	docRetries     *prometheus.CounterVec
	docBatch       prometheus.Histogram
	docAmbiguous   *prometheus.CounterVec
}

// MetricsOption adjusts NewMetrics and Instrument.
type MetricsOption func(*metricsConfig)

type metricsConfig struct {
	namespace string
	latency   []float64
}

// WithNamespace replaces the metric name prefix "r2kit".
func WithNamespace(ns string) MetricsOption {
	return func(c *metricsConfig) { c.namespace = ns }
}

// WithLatencyBuckets replaces the buckets of the latency histogram, in
// seconds. The default is 1 ms to about 16 s, doubling.
func WithLatencyBuckets(b []float64) MetricsOption {
	return func(c *metricsConfig) { c.latency = b }
}

// NewMetrics returns the collectors, registered with reg. Collectors that
// reg already holds (from an earlier NewMetrics or Instrument with the
// same namespace) are reused, so calling it twice with one registry is
// safe and both results update the same series. A nil reg registers
// nothing; pass prometheus.DefaultRegisterer for the default registry.
// NewMetrics panics if reg holds different collectors under the same
// names, as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer, opts ...MetricsOption) *Metrics {
	c := metricsConfig{namespace: "r2kit", latency: prometheus.ExponentialBuckets(0.001, 2, 15)}
	for _, o := range opts {
		o(&c)
	}
	ns := c.namespace
	counter := func(sub, name, help string, labels ...string) *prometheus.CounterVec {
		return register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: name, Help: help}, labels))
	}
	return &Metrics{
		ops: counter("storage", "operations_total",
			`Storage operations by operation, backend and outcome ("ok" or the error kind).`, "op", "backend", "outcome"),
		latency: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: "storage", Name: "operation_duration_seconds",
			Help:    "Latency of storage operations; a get until it returns the object.",
			Buckets: c.latency}, []string{"op", "backend"})),
		errors: counter("storage", "errors_total",
			"Failed storage operations by error kind.", "backend", "kind"),
		readBytes: counter("storage", "read_bytes_total",
			"Bytes of object bodies read from storage.", "backend"),
		writtenBytes: counter("storage", "written_bytes_total",
			"Bytes of object bodies written to storage.", "backend"),
		retries: counter("storage", "retries_total",
			"Storage operation attempts retried, by the kind of their error.", "op", "backend", "kind"),
		breakerState: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: "circuit_breaker", Name: "state",
			Help: "Circuit breaker state: 0 closed, 1 half-open, 2 open."}, []string{"name"})),
		breakerChanges: counter("circuit_breaker", "transitions_total",
			"Circuit breaker state changes, by new state.", "name", "to"),
		docConflicts: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: "doc", Name: "conflicts_total",
			Help: "Conditional document writes that lost to a concurrent writer."})),
		docRetries: counter("doc", "retries_total",
			"Document operation retries, by the kind of their cause.", "kind"),
		docBatch: register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: "doc", Name: "batch_size",
			Help:    "Updates committed by one document write (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9)})),
		docAmbiguous: counter("doc", "ambiguous_writes_total",
			"Document writes whose outcome had to be resolved, by outcome.", "outcome"),
	}
}

// register registers c with reg (if not nil) and returns it, or the equal
// collector reg already holds.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(fmt.Sprintf("resilience: registering metrics: %v", err))
}

// ObserveConflict counts a conditional document write that lost. It has
// the signature of doc.Hooks.Conflict.
func (m *Metrics) ObserveConflict(key string) { m.docConflicts.Inc() }

// ObserveRetry counts a retried document operation by the kind of its
// cause. It has the signature of doc.Hooks.Retry.
func (m *Metrics) ObserveRetry(key string, attempt int, cause error) {
	m.docRetries.WithLabelValues(string(Classify(cause))).Inc()
}

// ObserveBatch records how many Updates one write commits. It has the
// signature of doc.Hooks.Batch.
func (m *Metrics) ObserveBatch(key string, size int) { m.docBatch.Observe(float64(size)) }

// ObserveAmbiguous counts a resolved ambiguous write by outcome, spaces
// replaced by underscores ("not committed" becomes "not_committed"). It
// has the signature of doc.Hooks.Ambiguous.
func (m *Metrics) ObserveAmbiguous(key string, outcome string) {
	m.docAmbiguous.WithLabelValues(strings.ReplaceAll(outcome, " ", "_")).Inc()
}

// observeBreaker records a circuit breaker's state; from == to reports
// the current state without counting a transition.
func (m *Metrics) observeBreaker(name string, from, to State) {
	m.breakerState.WithLabelValues(name).Set(float64(to))
	if from != to {
		m.breakerChanges.WithLabelValues(name, to.String()).Inc()
	}
}
