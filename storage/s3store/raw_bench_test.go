package s3store_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/r2kit/r2kit/blob"
	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
)

// benchDoc is a JSON document of about 1 KiB.
type benchDoc struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Notes string   `json:"notes"`
	N     int      `json:"n"`
}

func newBenchDoc() benchDoc {
	return benchDoc{ID: "doc_1", Name: "bench", Tags: []string{"a", "b", "c"}, Notes: strings.Repeat("x", 960)}
}

// BenchmarkVsRawSDK: the same operations through r2kit (s3store, doc,
// blob) and through the raw aws-sdk-go-v2 client plus encoding/json, in
// one run on the versitygw test server. Compare each r2kit/X with raw/X
// (benchstat, or the ns/op and allocs/op columns side by side).
func BenchmarkVsRawSDK(b *testing.B) {
	bkt := backendtest.NewS3Bucket(b, false, nil)
	client, name := bkt.Client(), bkt.Name()
	ctx := b.Context()
	s := doc.New(bkt, &doc.Options{CacheEntries: -1})
	d := newBenchDoc()
	if _, err := doc.Put(ctx, s, "doc.json", d, nil); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(d)
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &name, Key: aws.String("raw.json"), Body: bytes.NewReader(raw)}); err != nil {
		b.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if _, err := blob.Put(ctx, bkt, "blob.bin", bytes.NewReader(big), nil); err != nil {
		b.Fatal(err)
	}

	b.Run("r2kit/Stat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bkt.Stat(ctx, "doc.json"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/Stat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &name, Key: aws.String("raw.json")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("r2kit/DocGet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := doc.Get[benchDoc](ctx, s, "doc.json"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/DocGet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &name, Key: aws.String("raw.json")})
			if err != nil {
				b.Fatal(err)
			}
			var v benchDoc
			err = json.NewDecoder(out.Body).Decode(&v)
			out.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("r2kit/DocPut", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := doc.Put(ctx, s, "doc.json", d, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/DocPut", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			body, err := json.Marshal(d)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &name, Key: aws.String("raw.json"), Body: bytes.NewReader(body)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("r2kit/BlobGet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			r, err := blob.Get(ctx, bkt, "blob.bin", nil)
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.Copy(io.Discard, r)
			r.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/BlobGet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &name, Key: aws.String("blob.bin")})
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.Copy(io.Discard, out.Body)
			out.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("r2kit/BlobPut", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			if _, err := blob.Put(ctx, bkt, "blob.bin", bytes.NewReader(big), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/BlobPut", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &name, Key: aws.String("rawblob.bin"), Body: bytes.NewReader(big)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
