// Package hostileid lists hostile inputs for the tests of id parsing
// and key building: none of them may ever become an id or a storage key.
package hostileid

import "strings"

// Case is one hostile input.
type Case struct {
	// Name names the case in test output.
	Name string
	// ID is the input.
	ID string
	// Reason is a fragment of the reason ParseID must give for it.
	Reason string
	// PrefixOnly marks inputs that are hostile only as a wrong prefix.
	PrefixOnly bool
}

// IDs are inputs that must never become ids or keys, with a
// fragment of the reason each must give.
var IDs = []Case{
	{"parent", "../x", "character '.' at byte 0", false},
	{"slash", "a/b", "character '/' at byte 1", false},
	{"empty", "", "empty", false},
	{"10 KB", "asst_" + strings.Repeat("a", 10240), "10245 bytes, longer than 64", false},
	{"NUL", "asst_a\x00b", `control character '\x00' at byte 6`, false},
	{"newline", "asst_abc\n", `control character '\n' at byte 8`, false},
	{"DEL", "asst_abc\x7f", `control character '\x7f'`, false},
	{"Cyrillic a", "asst_аbc", "non-ASCII character 'а' (U+0430) at byte 5", false},
	{"fullwidth a", "asst_ａbc", "non-ASCII character 'ａ' (U+FF41)", false},
	{"zero-width space", "asst_abc\u200b", "non-ASCII character", false},
	{"invalid UTF-8", "asst_abc\xff", "invalid UTF-8 byte 0xff at byte 8", false},
	{"traversal after id", "asst_abc/../x", "character '/' at byte 8", false},
	{"backslash", `asst_abc\x`, `character '\\' at byte 8`, false},
	{"dot json", "asst_abc.json", "character '.' at byte 8", false},
	{"space", "asst_ab c", "character ' ' at byte 7", false},
	{"percent", "asst_abc%2f", "character '%' at byte 8", false},
	{"dotdot", "..", "character '.' at byte 0", false},
	{"prefix only", "asst_", `nothing after the prefix "asst_"`, true},
	{"wrong prefix", "thread_abc", `expected an id that begins with "asst_"`, true},
	{"prefix case", "ASST_abc", `expected an id that begins with "asst_"`, true},
	{"no prefix", "abc", `expected an id that begins with "asst_"`, true},
}
