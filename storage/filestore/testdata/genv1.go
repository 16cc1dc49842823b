//go:build ignore

// genv1 writes testdata/v1, a directory in filestore's format 1 (the
// layout of releases up to the format marker: the key "a/b" is the file
// a/b), and testdata/v1.json, the objects it holds as that release
// reported them. TestMigrateV1 opens a copy of it with the current code.
//
// It was run once, at commit 09cf43d (the last commit with format 1):
//
//	cd storage/filestore/testdata && go run genv1.go
//
// Running it with a later release would write that release's format, not
// format 1.
package main

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/filestore"
)

// object is one entry of v1.json.
type object struct {
	Key         string            `json:"key"`
	Body        string            `json:"body"`
	ETag        string            `json:"etag"`
	ContentType string            `json:"content_type,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

func main() {
	const dir = "v1"
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	b, err := filestore.Open(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	json1 := &storage.PutOptions{ContentType: "application/json", Metadata: map[string]string{"Owner": "ana", "ttl": "2030-01-01T00:00:00Z"}}
	for _, o := range []struct {
		key, body string
		opts      *storage.PutOptions
	}{
		{"docs/a.json", `{"a":1}`, json1},
		{"docs/b.txt", "bee", &storage.PutOptions{ContentType: "text/plain"}},
		{"empty", "", nil},
		{"big/blob.bin", strings.Repeat("0123456789abcdef", 640), &storage.PutOptions{ContentType: "application/octet-stream"}},
		{"a%2Fb", "percent in a name", nil},
		{"x%2F/y", "a directory named like a format 2 directory", nil},
		{"x/z", "x/z", nil},
		{".env", "dot file", nil},
		{"dir/.hidden", "dot file in a directory", nil},
		{"deep/1/2/3/4/k", "deep", &storage.PutOptions{Metadata: map[string]string{"Level": "5"}}},
		{"pct/%", "just a percent sign", nil},
		{"日本語/ключ.txt", "unicode", nil},
		{"long/" + strings.Repeat("%", 100) + strings.Repeat("l", 155), "255 bytes that grow when escaped", nil},
		{"long/" + strings.Repeat("n", 255), "a 255-byte name", nil},
		{"dir255/" + strings.Repeat("d", 255) + "/f", "under a 255-byte directory", nil},
	} {
		if _, err := b.Put(ctx, o.key, strings.NewReader(o.body), o.opts); err != nil {
			log.Fatal(err)
		}
	}
	var objs []object
	for a, err := range storage.Objects(ctx, b, nil) {
		if err != nil {
			log.Fatal(err)
		}
		obj, err := b.Get(ctx, a.Key, nil)
		if err != nil {
			log.Fatal(err)
		}
		body, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil {
			log.Fatal(err)
		}
		objs = append(objs, object{Key: a.Key, Body: string(body), ETag: obj.ETag, ContentType: obj.ContentType, Metadata: obj.Metadata})
	}
	if err := b.Close(); err != nil {
		log.Fatal(err)
	}
	// Files that are not objects: a foreign file at the top, one in the
	// directory x%2F (which then stays when its object moves out), a
	// corrupt object, and the temp file of a crashed writer.
	for name, data := range map[string]string{
		"README.txt":                  "not an object",
		"x%2F/notes.txt":              "not an object either",
		"corrupt":                     "R2KITOBJ\x00\x00\x00\x05{oops",
		".r2kit/tmp/put-00000000dead": "R2KITOBJ torn",
	} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(data), 0o666); err != nil {
			log.Fatal(err)
		}
	}
	js, err := json.MarshalIndent(objs, "", "\t")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("v1.json", append(js, '\n'), 0o666); err != nil {
		log.Fatal(err)
	}
}
