package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/storage"
)

// References a request makes that OpenAI checks before it acts: the
// files of message attachments and of tool_resources must exist, and a
// named tool_choice must be one of the run's tools. Each check answers
// 400 with the param of the offending member.

// fileRef is a file id a request names, and the param that names it.
type fileRef struct {
	param, id string
}

// attachmentRefs lists the files of a message's attachments; prefix is
// the param of the message ("" for a message create).
func attachmentRefs(prefix string, atts []assistants.Attachment) []fileRef {
	var refs []fileRef
	for i, a := range atts {
		refs = append(refs, fileRef{joinParam(prefix, fmt.Sprintf("attachments[%d].file_id", i)), a.FileID})
	}
	return refs
}

// messageRefs lists the files the attachments of messages name; prefix
// is the param of the array ("messages", "additional_messages").
func messageRefs(prefix string, msgs []assistants.MessageCreateRequest) []fileRef {
	var refs []fileRef
	for i := range msgs {
		refs = append(refs, attachmentRefs(fmt.Sprintf("%s[%d]", prefix, i), msgs[i].Attachments)...)
	}
	return refs
}

// toolResourceRefs lists the files of tool_resources (code_interpreter's
// file_ids); prefix is the param of the member holding it.
func toolResourceRefs(prefix string, tr *assistants.ToolResources) []fileRef {
	if tr == nil || tr.CodeInterpreter == nil {
		return nil
	}
	var refs []fileRef
	for i, id := range tr.CodeInterpreter.FileIDs {
		refs = append(refs, fileRef{fmt.Sprintf("%s.code_interpreter.file_ids[%d]", prefix, i), id})
	}
	return refs
}

// checkFileRefs answers 400 for the first ref that names no file. An id
// that is not a file id is left to the request's validation.
func (s *Server) checkFileRefs(ctx context.Context, refs []fileRef) error {
	for _, ref := range refs {
		if assistants.ParseID(assistants.PrefixFile, ref.id) != nil {
			continue
		}
		_, err := s.store.Files.GetMetadata(ctx, ref.id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return InvalidRequest(ref.param, "Invalid '%s': no file found with id '%s'.", ref.param, ref.id).
				withCode("file_not_found")
		case err != nil:
			return err
		}
	}
	return nil
}

// checkRunRefs checks the references of a run request: the files of its
// additional messages, and its tool_choice against its tools (the
// request's, or else the assistant's).
func (s *Server) checkRunRefs(ctx context.Context, q *assistants.RunCreateRequest) error {
	if err := s.checkFileRefs(ctx, messageRefs("additional_messages", q.AdditionalMessages)); err != nil {
		return err
	}
	c := q.ToolChoice.Tool
	if c == nil {
		return nil
	}
	tools := q.Tools
	if tools == nil {
		a, err := s.store.Assistants.Get(ctx, q.AssistantID)
		if err != nil {
			return err
		}
		tools = a.Value.Tools
	}
	return checkToolChoice(c, tools)
}

// checkToolChoice answers 400 unless the named tool choice c is one of
// tools: a function by its name, another tool by its type.
func checkToolChoice(c *assistants.NamedToolChoice, tools []assistants.Tool) error {
	for _, t := range tools {
		if t.Type != c.Type {
			continue
		}
		if c.Type != assistants.ToolFunction || c.Function != nil && t.Function != nil && t.Function.Name == c.Function.Name {
			return nil
		}
	}
	if c.Type == assistants.ToolFunction && c.Function != nil {
		return InvalidRequest("tool_choice.function.name",
			"Invalid 'tool_choice': the function '%s' is not one of the tools of the run.", c.Function.Name)
	}
	return InvalidRequest("tool_choice.type", "Invalid 'tool_choice': the run has no %s tool.", c.Type)
}

// threadRefs lists the files a thread create request names; prefix is
// its param ("" for POST /v1/threads, "thread" inside a thread and run).
func threadRefs(prefix string, q *assistants.ThreadCreateRequest) []fileRef {
	return append(messageRefs(joinParam(prefix, "messages"), q.Messages),
		toolResourceRefs(joinParam(prefix, "tool_resources"), q.ToolResources)...)
}

// threadAndRunRefs lists the files of POST /v1/threads/runs: those of
// its thread, and its own tool_resources.
func threadAndRunRefs(q *threadAndRunRequest) []fileRef {
	var refs []fileRef
	if q.Thread != nil {
		refs = threadRefs("thread", q.Thread)
	}
	return append(refs, toolResourceRefs("tool_resources", q.ToolResources)...)
}
