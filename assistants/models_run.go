package assistants

// Run is the run object ("object":"thread.run"). Every member of the v2
// run object is always written, null where the spec allows it and the
// value is unset: required_action, last_error, the timestamps other
// than created_at, usage, incomplete_details, max_prompt_tokens,
// max_completion_tokens, truncation_strategy, tool_choice,
// response_format, temperature and top_p.
type Run struct {
	ID string `json:"id"`
	// Object is "thread.run"; marshalling fills it in when empty.
	Object      string `json:"object"`
	CreatedAt   int64  `json:"created_at"`
	ThreadID    string `json:"thread_id"`
	AssistantID string `json:"assistant_id"`
	// Status is one of the RunStatus constants; change it with
	// Transition, which follows the state machine.
	Status         RunStatus       `json:"status"`
	RequiredAction *RequiredAction `json:"required_action"`
	LastError      *LastError      `json:"last_error"`
	ExpiresAt      *int64          `json:"expires_at"`
	StartedAt      *int64          `json:"started_at"`
	CancelledAt    *int64          `json:"cancelled_at"`
	FailedAt       *int64          `json:"failed_at"`
	CompletedAt    *int64          `json:"completed_at"`
	// IncompleteDetails reason: max_completion_tokens or max_prompt_tokens.
	IncompleteDetails *IncompleteDetails `json:"incomplete_details"`
	Model             string             `json:"model"`
	// Instructions is a string, never null: the schema's type.
	Instructions        string              `json:"instructions"`
	Tools               []Tool              `json:"tools"`
	Metadata            Metadata            `json:"metadata"`
	Usage               *Usage              `json:"usage"`
	Temperature         *float64            `json:"temperature"`
	TopP                *float64            `json:"top_p"`
	MaxPromptTokens     *int64              `json:"max_prompt_tokens"`
	MaxCompletionTokens *int64              `json:"max_completion_tokens"`
	TruncationStrategy  *TruncationStrategy `json:"truncation_strategy"`
	ToolChoice          ToolChoice          `json:"tool_choice"`
	ParallelToolCalls   bool                `json:"parallel_tool_calls"`
	ResponseFormat      ResponseFormat      `json:"response_format"`

	// Extra holds members this version does not know (see Extra).
	Extra Extra `json:"-"`
}

// Reasons of a run's IncompleteDetails.
const (
	RunIncompleteMaxCompletionTokens = "max_completion_tokens"
	RunIncompleteMaxPromptTokens     = "max_prompt_tokens"
)

// DefaultRunExpiry is how long a run may stay non-terminal: its
// expires_at is created_at plus this many seconds (600 in the spec's
// examples).
const DefaultRunExpiry = 600

type runJSON Run

// MarshalJSON writes the run with every member present and its Extra
// members after them: the API's run object.
func (r Run) MarshalJSON() ([]byte, error) {
	w := runJSON(r)
	w.Object = orDefault(w.Object, ObjectRun)
	w.Tools = orEmpty(w.Tools)
	return marshalObject(&w, r.Extra)
}

// UnmarshalJSON reads a run, keeping unknown members in Extra.
func (r *Run) UnmarshalJSON(data []byte) error {
	var w runJSON
	extra, err := unmarshalObject(data, &w)
	if err != nil {
		return err
	}
	*r = Run(w)
	r.Extra = extra
	return nil
}

// Validate checks the run: ids ("run_", "thread_", "asst_"), object,
// status, required_action present exactly when the status is
// requires_action (and well formed), last_error and incomplete_details
// codes, timestamps, model set, at most MaxAssistantTools tools each
// valid, metadata, usage, temperature 0..2, top_p 0..1,
// max_prompt_tokens and max_completion_tokens at least 256, the
// truncation strategy, tool choice and response format.
func (r *Run) Validate() error {
	return firstErr(
		checkID("id", PrefixRun, r.ID),
		checkObject(r.Object, ObjectRun),
		checkTimestamp("created_at", r.CreatedAt),
		checkID("thread_id", PrefixThread, r.ThreadID),
		checkID("assistant_id", PrefixAssistant, r.AssistantID),
		checkEnum("status", string(r.Status), runStatusNames...),
		r.validateRequiredAction(),
		r.validateLastError(),
		r.validateIncomplete(),
		checkOptTimestamp("expires_at", r.ExpiresAt),
		checkOptTimestamp("started_at", r.StartedAt),
		checkOptTimestamp("cancelled_at", r.CancelledAt),
		checkOptTimestamp("failed_at", r.FailedAt),
		checkOptTimestamp("completed_at", r.CompletedAt),
		checkRequired("model", r.Model),
		ValidateTools("tools", r.Tools, MaxAssistantTools),
		ValidateMetadata(r.Metadata),
		validateUsage("usage", r.Usage),
		checkRange("temperature", r.Temperature, 0, 2),
		checkRange("top_p", r.TopP, 0, 1),
		checkMinTokens("max_prompt_tokens", r.MaxPromptTokens),
		checkMinTokens("max_completion_tokens", r.MaxCompletionTokens),
		r.TruncationStrategy.validate("truncation_strategy"),
		r.ToolChoice.validate("tool_choice"),
		r.ResponseFormat.validate("response_format"),
	)
}

func (r *Run) validateRequiredAction() error {
	switch {
	case r.Status == RunRequiresAction && r.RequiredAction == nil:
		return fieldErr("required_action", "required with status requires_action")
	case r.Status != RunRequiresAction && r.RequiredAction != nil:
		return fieldErr("required_action", "must be null with status %s", r.Status)
	}
	return r.RequiredAction.validate("required_action")
}

func (r *Run) validateLastError() error {
	if r.LastError == nil {
		return nil
	}
	return checkEnum("last_error.code", r.LastError.Code,
		ErrorCodeServerError, ErrorCodeRateLimitExceeded, ErrorCodeInvalidPrompt)
}

func (r *Run) validateIncomplete() error {
	if r.IncompleteDetails == nil {
		return nil
	}
	return checkEnum("incomplete_details.reason", r.IncompleteDetails.Reason,
		RunIncompleteMaxCompletionTokens, RunIncompleteMaxPromptTokens)
}
