package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/faultstore"
)

// seedThread writes a thread with n messages straight into b, as the
// stores lay them out (each message and its desc index marker), with 64
// writers: seeding 10,000 messages through the stores' full create
// protocol (4 requests each) would dominate the benchmark's run time.
// It returns the thread and the message ids, oldest first.
func seedThread(tb testing.TB, b storage.Bucket, n int) (string, []string) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().Unix()
	thread := assistants.NewID(assistants.PrefixThread)
	put := func(key string, v any) error {
		body, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = b.Put(ctx, key, bytes.NewReader(body), &storage.PutOptions{ContentType: doc.ContentType})
		return err
	}
	if err := put(ThreadsPrefix+thread+JSONExt, assistants.Thread{ID: thread, CreatedAt: now}); err != nil {
		tb.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = assistants.NewID(assistants.PrefixMessage)
	}
	sc := messageScope(thread)
	jobs := make(chan string)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range 64 {
		wg.Go(func() {
			for id := range jobs {
				m := (&assistants.MessageCreateRequest{Role: assistants.RoleUser, Content: assistants.TextInput("message " + id)}).Message(id, thread, now)
				_, err := b.Put(ctx, sc.marker(id), strings.NewReader(""), nil)
				if err == nil {
					err = put(sc.entityKey(id), m)
				}
				if err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	start := time.Now()
	for _, id := range ids {
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		tb.Fatalf("seed: %v", first)
	}
	tb.Logf("seeded %d messages in %v", n, time.Since(start).Round(time.Millisecond))
	return thread, ids
}

// reportCalls reports the requests per op counted by c since before,
// over ops operations.
func reportCalls(b *testing.B, c *faultstore.Bucket, before map[string]int, ops int) {
	after := c.Stats().Calls
	total := 0
	for op, n := range after {
		d := n - before[op]
		total += d
		if d > 0 {
			b.ReportMetric(float64(d)/float64(ops), op+"s/op")
		}
	}
	b.ReportMetric(float64(total)/float64(ops), "requests/op")
}

// BenchmarkListFirstPage reads the first page (limit 20) of a thread of
// 100, 1,000 and 10,000 messages, in the default desc order and in asc,
// on filestore and on the S3 test server, with the document cache off
// (every page is read cold). It reports the storage requests per page
// (requests/op, and per kind: lists/op, gets/op, stats/op).
//
//	go test -run '^$' -bench BenchmarkListFirstPage -benchtime 50x ./assistants/
func BenchmarkListFirstPage(b *testing.B) {
	for _, backend := range []string{"file", "s3"} {
		for _, n := range []int{100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/n=%d", backend, n), func(b *testing.B) {
				bucket := backendtest.NewBucket(b, backend)
				thread, ids := seedThread(b, bucket, n)
				for _, order := range []string{assistants.OrderDesc, assistants.OrderAsc} {
					b.Run(order, func(b *testing.B) {
						want := ids[len(ids)-1]
						if order == assistants.OrderAsc {
							want = ids[0]
						}
						counted := faultstore.New(bucket, 1)
						s := Open(counted, &Options{Doc: &doc.Options{CacheEntries: -1}})
						ctx := context.Background()
						before := maps.Clone(counted.Stats().Calls)
						ops := 0
						for b.Loop() {
							ops++
							l, err := s.Messages.List(ctx, thread, MessageListParams{ListParams: assistants.ListParams{Order: order}})
							if err != nil || len(l.Data) != 20 || !l.HasMore || *l.FirstID != want {
								b.Fatalf("page: %d items, first %v, %v", len(l.Data), l.FirstID, err)
							}
						}
						reportCalls(b, counted, before, ops)
					})
				}
			})
		}
	}
}

// BenchmarkMessageCreate measures a message create through the store
// (its requests: a Stat of the thread, the marker PUT, the message PUT,
// a Stat of the thread) and a delete (two DELETEs).
//
//	go test -run '^$' -bench BenchmarkMessage -benchtime 200x ./assistants/
func BenchmarkMessageCreate(b *testing.B) {
	for _, backend := range []string{"file", "s3"} {
		b.Run(backend, func(b *testing.B) {
			counted := faultstore.New(backendtest.NewBucket(b, backend), 1)
			s := Open(counted, nil)
			ctx := context.Background()
			th, err := s.Threads.Create(ctx, &assistants.ThreadCreateRequest{})
			if err != nil {
				b.Fatal(err)
			}
			req := &assistants.MessageCreateRequest{Role: assistants.RoleUser, Content: assistants.TextInput("hello")}
			before := maps.Clone(counted.Stats().Calls)
			ops := 0
			for b.Loop() {
				ops++
				if _, err := s.Messages.Create(ctx, th.Value.ID, req); err != nil {
					b.Fatal(err)
				}
			}
			reportCalls(b, counted, before, ops)
		})
	}
}

// BenchmarkMessageDelete measures a message delete (the message, then
// its marker).
func BenchmarkMessageDelete(b *testing.B) {
	for _, backend := range []string{"file", "s3"} {
		b.Run(backend, func(b *testing.B) {
			bucket := backendtest.NewBucket(b, backend)
			thread, ids := seedThread(b, bucket, 2000)
			counted := faultstore.New(bucket, 1)
			s := Open(counted, nil)
			ctx := context.Background()
			before := maps.Clone(counted.Stats().Calls)
			i := 0
			for b.Loop() {
				if i == len(ids) {
					b.Fatal("out of messages to delete; use -benchtime 2000x or less")
				}
				if err := s.Messages.Delete(ctx, thread, ids[i], ""); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportCalls(b, counted, before, i)
		})
	}
}
