package assistants

import (
	"strings"
	"testing"
)

func TestThreadCreateRequestMessageCap(t *testing.T) {
	msgs := func(n int) []MessageCreateRequest {
		out := make([]MessageCreateRequest, n)
		for i := range out {
			out[i] = MessageCreateRequest{Role: RoleUser, Content: TextInput("hi")}
		}
		return out
	}
	checkValidation(t, validationCase{v: &ThreadCreateRequest{Messages: msgs(MaxThreadMessages)}})
	r := &ThreadCreateRequest{Messages: msgs(MaxThreadMessages + 1)}
	checkValidation(t, validationCase{v: r, field: "messages", reason: "array too long"})
	if msg := r.Validate().Error(); !strings.Contains(msg, "maximum length 32, but got an array with length 33") {
		t.Errorf("error %q does not give the limit and the count", msg)
	}
	// The cap is checked first: an invalid 40th message is not reported.
	r.Messages = append(msgs(39), MessageCreateRequest{})
	checkValidation(t, validationCase{v: r, field: "messages", reason: "array too long"})
}
