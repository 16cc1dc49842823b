// Package assistants holds the OpenAI Assistants API v2 objects r2kit
// stores and serves: their models and exact JSON wire form, validation,
// ids and the run state machine. It does no I/O: the entity stores that
// keep these objects in a storage.Bucket are the package
// github.com/r2kit/r2kit/assistants/store.
//
// # Wire form
//
// Each model (Assistant, Thread, Message, Run, RunStep, File, Deleted,
// List) marshals to exactly the members of its v2 schema: every
// required member is always present, null where the schema allows null
// and the value is unset (pointer fields), arrays are [] rather than
// null, metadata is {} when empty and timestamps are integer Unix
// seconds. The polymorphic members (ResponseFormat, ToolChoice,
// ContentPart, Annotation, StepDetails, ToolCall, CodeOutput, Tool) have
// custom MarshalJSON/UnmarshalJSON methods that round-trip.
//
// # Forward compatibility
//
// Stored objects may have been written by a newer r2kit. Two rules keep
// an older version from destroying what it does not understand:
//   - Unknown members of a top-level model (and of a Tool) are kept in
//     its Extra map when decoded and written back when marshalled.
//   - A polymorphic value of an unknown type (a new content part, tool,
//     tool call ...) decodes without error and marshals back verbatim,
//     so reads and API answers carry it. It fails validation, so an
//     older version refuses to write an object holding one rather than
//     write something it cannot check.
//
// # Validation
//
// Each model has a Validate method (the doc package calls it before
// every write) and the request types have their own; the rules mirror
// the API's (metadata 16 pairs, keys 64 and values 512 characters, name
// 256, description 512, instructions 256000, 128 tools per assistant,
// 20 per run request, function names ^[a-zA-Z0-9_-]{1,64}$, known
// content part types, roles, purposes, id prefixes, temperature 0..2,
// top_p 0..1, token limits at least 256, ...). Errors are *FieldError
// values whose Field method names the offending field as OpenAI's
// "param" does ("tools[3].function.name") and whose message reads
// "metadata: too many keys (17); at most 16".
//
// # Ids
//
// NewID makes ids like "msg_01jq3v6x4h8c2m9k7r5t0w1y3z": the OpenAI
// prefix, then 26 lower-case Crockford base32 digits, 10 of millisecond
// time and 16 of a counter that starts at a random 80-bit value each
// millisecond. Fixed width makes lexicographic order creation order.
// ParseID accepts the prefix followed by [A-Za-z0-9_-] up to MaxIDLen
// bytes in all, so OpenAI's and other imported ids keep working, and
// rejects anything else (separators, dots, control characters,
// non-ASCII look-alikes) with an error matching storage.ErrInvalidKey:
// an id that ParseID accepts is safe as a key segment, which is how the
// store builds its keys.
//
// # Run state machine
//
// CanTransition follows the v2 run lifecycle; Run.Transition applies a
// change and keeps the timestamps and required_action consistent.
// Terminal statuses are final. RunStep.Transition and
// CanTransitionMessage do the same for steps and messages.
package assistants
