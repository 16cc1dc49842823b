package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/r2kit/r2kit/assistants"
)

// PathID returns the path wildcard name of r (as in "{thread_id}") after
// checking it is an id with the given prefix (one of the assistants
// Prefix constants). A bad id answers 400 with param name, in OpenAI's
// words for a wrong prefix:
//
//	Invalid 'thread_id': 'asst_1'. Expected an ID that begins with 'thread'.
//
// and with the reason otherwise (a character outside [A-Za-z0-9_-], too
// long). So no id that PathID accepts can name a key outside its
// entity's prefix.
func PathID(r *http.Request, name, prefix string) (string, error) {
	id := r.PathValue(name)
	if err := assistants.ParseID(prefix, id); err != nil {
		var ide *assistants.IDError
		if errors.As(err, &ide) {
			return "", badID(name, ide)
		}
		return "", InvalidRequest(name, "Invalid '%s': %s", name, period(err.Error()))
	}
	return id, nil
}

// badID is the 400 answer for an id ParseID refused, for param ("" when
// unknown).
func badID(param string, ide *assistants.IDError) *Error {
	what := "'" + param + "'"
	if param == "" {
		what = "id"
	}
	if ide.Prefix != "" && !strings.HasPrefix(ide.ID, ide.Prefix) {
		return InvalidRequest(param, "Invalid %s: '%s'. Expected an ID that begins with '%s'.",
			what, quote(ide.ID), idNoun(ide.Prefix))
	}
	return InvalidRequest(param, "Invalid %s: '%s'. %s", what, quote(ide.ID), sentence(ide.Reason))
}
