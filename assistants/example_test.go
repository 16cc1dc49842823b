package assistants_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/r2kit/r2kit/assistants"
)

func ExampleParseID() {
	fmt.Println(assistants.ParseID(assistants.PrefixThread, "thread_abc123"))
	fmt.Println(assistants.ParseID(assistants.PrefixThread, "x"))
	fmt.Println(assistants.ParseID(assistants.PrefixAssistant, "asst_аbc")) // Cyrillic а
	// Output:
	// <nil>
	// invalid id "x": expected an id that begins with "thread_"
	// invalid id "asst_аbc": non-ASCII character 'а' (U+0430) at byte 5; ids are ASCII letters, digits, '_' and '-'
}

func ExampleThread_MarshalJSON() {
	th := assistants.Thread{ID: "thread_abc123", CreatedAt: 1699012949}
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(th)
	// Output:
	// {"id":"thread_abc123","object":"thread","created_at":1699012949,"tool_resources":null,"metadata":{}}
}

func ExampleAssistant_Validate() {
	a := assistants.Assistant{ID: "asst_abc123", Model: "gpt-4o", Metadata: assistants.Metadata{}}
	for i := range 17 {
		a.Metadata[fmt.Sprint("k", i)] = "v"
	}
	err := a.Validate()
	fmt.Println(err)
	var fe *assistants.FieldError
	if errors.As(err, &fe) {
		fmt.Println(fe.Field())
	}
	// Output:
	// metadata: too many keys (17); at most 16
	// metadata
}

func ExampleRun_Transition() {
	r := assistants.Run{ID: "run_abc123", Status: assistants.RunQueued}
	fmt.Println(r.Transition(assistants.RunInProgress, 1699075072), *r.StartedAt)
	fmt.Println(r.Transition(assistants.RunCompleted, 1699075073), *r.CompletedAt)
	fmt.Println(r.Transition(assistants.RunCancelling, 1699075074))
	// Output:
	// <nil> 1699075072
	// <nil> 1699075073
	// run run_abc123: cannot change status from completed to cancelling
}

func ExampleCanTransition() {
	fmt.Println(assistants.CanTransition(assistants.RunInProgress, assistants.RunRequiresAction))
	fmt.Println(assistants.CanTransition(assistants.RunCompleted, assistants.RunInProgress))
	// Output:
	// true
	// false
}
