package store

import (
	"strings"

	"github.com/r2kit/r2kit/assistants"
)

// Key layout. The first five are the seed's layout byte for byte, so
// data written by the TypeScript R2 helpers stays readable; the rest are
// r2kit's additions (see the package documentation for the reasons).
//
//	assistants/{assistant_id}.json              assistant
//	threads/{thread_id}.json                    thread
//	messages/{thread_id}/{message_id}.json      message
//	runs/{thread_id}/{run_id}.json              run
//	files/{file_id}.json                        file metadata (the file object)
//	steps/{thread_id}/{run_id}/{step_id}.json   run step
//	blobs/{file_id}                             file bytes
//	tools/{name}.json                           tool definition, by name
//	locks/active-run/{thread_id}.json           a thread's active run
//	queue/runs/{run_id}                         a run that needs a worker
//	queue/waiting/{run_id}                      a run waiting for tool outputs
//	idx/desc/{listing directory}/{inverted id}  desc listing index marker
//	tombstones/threads/{thread_id}.json         a thread delete under way
//
// Every key function validates each id with ParseID (the right prefix,
// only [A-Za-z0-9_-]) before it builds the key, so no input can name a
// key outside its entity's prefix or another entity's key; the error is
// an *IDError matching storage.ErrInvalidKey.
const (
	AssistantsPrefix     = "assistants/"
	ThreadsPrefix        = "threads/"
	MessagesPrefix       = "messages/"
	RunsPrefix           = "runs/"
	FilesPrefix          = "files/"
	StepsPrefix          = "steps/"
	BlobsPrefix          = "blobs/"
	ToolsPrefix          = "tools/"
	ActiveRunLocksPrefix = "locks/active-run/"
	QueueRunsPrefix      = "queue/runs/"
	QueueWaitingPrefix   = "queue/waiting/"
	// IndexPrefix holds the desc listing index markers (see index.go).
	IndexPrefix = "idx/desc/"
	// TombstonesPrefix holds the tombstones of deleted threads (see
	// cascade.go).
	TombstonesPrefix = "tombstones/threads/"

	// JSONExt ends the key of every JSON document.
	JSONExt = ".json"
)

// AssistantKey returns "assistants/{id}.json".
func AssistantKey(id string) (string, error) {
	return docKey(AssistantsPrefix, assistants.PrefixAssistant, id)
}

// ThreadKey returns "threads/{id}.json".
func ThreadKey(id string) (string, error) { return docKey(ThreadsPrefix, assistants.PrefixThread, id) }

// FileKey returns "files/{id}.json", the key of the file object (the
// file's metadata).
func FileKey(id string) (string, error) { return docKey(FilesPrefix, assistants.PrefixFile, id) }

// FileBlobKey returns "blobs/{id}", the key of the file's bytes.
func FileBlobKey(id string) (string, error) {
	if err := assistants.ParseID(assistants.PrefixFile, id); err != nil {
		return "", err
	}
	return BlobsPrefix + id, nil
}

// MessageKey returns "messages/{thread}/{msg}.json".
func MessageKey(thread, msg string) (string, error) {
	p, err := ThreadMessagesPrefix(thread)
	if err != nil {
		return "", err
	}
	return docKey(p, assistants.PrefixMessage, msg)
}

// RunKey returns "runs/{thread}/{run}.json".
func RunKey(thread, run string) (string, error) {
	p, err := ThreadRunsPrefix(thread)
	if err != nil {
		return "", err
	}
	return docKey(p, assistants.PrefixRun, run)
}

// StepKey returns "steps/{thread}/{run}/{step}.json".
func StepKey(thread, run, step string) (string, error) {
	p, err := RunStepsPrefix(thread, run)
	if err != nil {
		return "", err
	}
	return docKey(p, assistants.PrefixStep, step)
}

// ToolKey returns "tools/{name}.json". name must be a valid tool name
// (see ToolName): [a-zA-Z0-9_-]{1,64}.
func ToolKey(name string) (string, error) {
	if err := assistants.CheckToolName(name); err != nil {
		return "", err
	}
	return ToolsPrefix + name + JSONExt, nil
}

// ActiveRunLockKey returns "locks/active-run/{thread}.json", the key
// whose conditional create makes a run the thread's one active run.
func ActiveRunLockKey(thread string) (string, error) {
	return docKey(ActiveRunLocksPrefix, assistants.PrefixThread, thread)
}

// QueueKey returns "queue/runs/{run}" (Queued) or "queue/waiting/{run}"
// (Waiting), the key of run's queue marker.
func QueueKey(state QueueState, run string) (string, error) {
	if err := assistants.ParseID(assistants.PrefixRun, run); err != nil {
		return "", err
	}
	return state.prefix() + run, nil
}

// ThreadMessagesPrefix returns "messages/{thread}/", the prefix to list
// a thread's messages.
func ThreadMessagesPrefix(thread string) (string, error) {
	return dirKey(MessagesPrefix, assistants.PrefixThread, thread)
}

// ThreadRunsPrefix returns "runs/{thread}/", the prefix to list a
// thread's runs.
func ThreadRunsPrefix(thread string) (string, error) {
	return dirKey(RunsPrefix, assistants.PrefixThread, thread)
}

// ThreadStepsPrefix returns "steps/{thread}/", the prefix of the steps
// of all of a thread's runs (for deleting a thread).
func ThreadStepsPrefix(thread string) (string, error) {
	return dirKey(StepsPrefix, assistants.PrefixThread, thread)
}

// RunStepsPrefix returns "steps/{thread}/{run}/", the prefix to list a
// run's steps.
func RunStepsPrefix(thread, run string) (string, error) {
	p, err := ThreadStepsPrefix(thread)
	if err != nil {
		return "", err
	}
	return dirKey(p, assistants.PrefixRun, run)
}

// IDFromKey returns the id that names key under the listing prefix
// dir (e.g. "msg_1" for dir "messages/thread_1/" and key
// "messages/thread_1/msg_1.json"; for BlobsPrefix, the key has no
// ".json"). It returns "", false when key is not directly under dir,
// has no ".json" (except under BlobsPrefix), or the id contains bytes
// outside [A-Za-z0-9_-]. It does not check the id's prefix.
func IDFromKey(dir, key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, dir)
	if !ok {
		return "", false
	}
	if dir != BlobsPrefix {
		if rest, ok = strings.CutSuffix(rest, JSONExt); !ok {
			return "", false
		}
	}
	if !assistants.ValidIDChars(rest) {
		return "", false
	}
	return rest, true
}

func docKey(dir, prefix, id string) (string, error) {
	if err := assistants.ParseID(prefix, id); err != nil {
		return "", err
	}
	return dir + id + JSONExt, nil
}

func dirKey(dir, prefix, id string) (string, error) {
	if err := assistants.ParseID(prefix, id); err != nil {
		return "", err
	}
	return dir + id + "/", nil
}

// Keys of ids already validated (by ParseID or a key function above).
// They skip the check, so they are unexported: every key the store
// builds from an id comes from this file.

// childKey returns dir + id + ".json".
func childKey(dir, id string) string { return dir + id + JSONExt }

// childDir returns dir + id + "/".
func childDir(dir, id string) string { return dir + id + "/" }

// threadKey returns "threads/{thread}.json".
func threadKey(thread string) string { return childKey(ThreadsPrefix, thread) }

// tombstoneKey returns "tombstones/threads/{thread}.json".
func tombstoneKey(thread string) string { return childKey(TombstonesPrefix, thread) }

// indexDir returns the desc index directory of the listing directory
// dir: IndexPrefix + dir.
func indexDir(dir string) string { return IndexPrefix + dir }
