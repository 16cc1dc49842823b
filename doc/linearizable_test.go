package doc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

// counterModel is a register holding an int, read by "get" and
// incremented by "incr", which returns the new value.
var counterModel = porcupine.Model{
	Init: func() any { return 0 },
	Step: func(state, input, output any) (bool, any) {
		n := state.(int)
		if input.(string) == "get" {
			return output.(int) == n, n
		}
		return output.(int) == n+1, n + 1
	},
	DescribeOperation: func(input, output any) string {
		return fmt.Sprintf("%s -> %d", input, output)
	},
}

// counterOps is how a history's operations reach the store.
type counterOps struct {
	get  func(ctx context.Context) (int, error)
	incr func(ctx context.Context) (int, error)
}

// recordHistory runs clients concurrent clients, each doing ops random
// Gets and increments, and returns the history of completed operations.
func recordHistory(t *testing.T, clients, ops int, c counterOps) []porcupine.Operation {
	t.Helper()
	start := time.Now()
	var mu sync.Mutex
	var history []porcupine.Operation
	var wg sync.WaitGroup
	for id := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(id), 1))
			for range ops {
				in := "incr"
				f := c.incr
				if rng.IntN(3) == 0 {
					in, f = "get", c.get
				}
				call := time.Since(start).Nanoseconds()
				out, err := f(t.Context())
				ret := time.Since(start).Nanoseconds()
				if err != nil {
					t.Errorf("client %d %s: %v", id, in, err)
					return
				}
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return history
}

func docCounterOps(s *doc.Store) counterOps {
	return counterOps{
		get: func(ctx context.Context) (int, error) {
			d, err := doc.Get[counter](ctx, s, "lin.json")
			if errors.Is(err, doc.ErrNotFound) {
				return 0, nil
			}
			if err != nil {
				return 0, err
			}
			return d.Value.N, nil
		},
		incr: func(ctx context.Context) (int, error) {
			d, err := doc.Update(ctx, s, "lin.json", incr, nil)
			if err != nil {
				return 0, err
			}
			return d.Value.N, nil
		},
	}
}

// brokenCounterOps increments with a read and an unconditional write:
// the lost-update bug that Update exists to prevent.
func brokenCounterOps(b storage.Bucket) counterOps {
	get := func(ctx context.Context) (int, error) {
		obj, err := b.Get(ctx, "lin.json", nil)
		if errors.Is(err, storage.ErrNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		defer obj.Body.Close()
		var c counter
		body, err := io.ReadAll(obj.Body)
		if err != nil {
			return 0, err
		}
		if err := json.Unmarshal(body, &c); err != nil {
			return 0, err
		}
		return c.N, nil
	}
	return counterOps{
		get: get,
		incr: func(ctx context.Context) (int, error) {
			n, err := get(ctx)
			if err != nil {
				return 0, err
			}
			// Widen the window between the read and the write, so that
			// concurrent increments overlap on any backend and machine
			// load (a fast in-memory store would otherwise often run
			// them one after another, and lose nothing).
			time.Sleep(time.Millisecond)
			body, _ := json.Marshal(counter{n + 1})
			_, err = b.Put(ctx, "lin.json", bytesReader(body), nil)
			return n + 1, err
		},
	}
}

// TestLinearizable checks a recorded history of concurrent Gets and
// Updates of one document against a sequential counter.
func TestLinearizable(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for _, group := range []bool{true, false} {
			t.Run(fmt.Sprintf("group=%v", group), func(t *testing.T) {
				s := doc.New(newBucket(t), &doc.Options{DisableGroupCommit: !group, Policy: doc.Persistent})
				history := recordHistory(t, 8, 25, docCounterOps(s))
				res, info := porcupine.CheckOperationsVerbose(counterModel, history, 30*time.Second)
				if res != porcupine.Ok {
					writeVisualization(t, info)
					t.Fatalf("history of %d operations is %s, want linearizable", len(history), res)
				}
			})
		}
	})
}

// TestLinearizabilityCheckCatchesLostUpdates proves the check has teeth:
// the same history recorded through a read-then-unconditional-write
// counter is not linearizable.
func TestLinearizabilityCheckCatchesLostUpdates(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		for attempt := 1; attempt <= 3; attempt++ {
			history := recordHistory(t, 8, 25, brokenCounterOps(newBucket(t)))
			res := porcupine.CheckOperationsTimeout(counterModel, history, 30*time.Second)
			if res == porcupine.Illegal {
				t.Logf("broken counter: history of %d operations is illegal, as it must be", len(history))
				return
			}
		}
		t.Fatal("three histories of a lost-update counter all passed the linearizability check")
	})
}

func writeVisualization(t *testing.T, info porcupine.LinearizationInfo) {
	f, err := openArtifact(t, "linearizability.html")
	if err != nil {
		t.Log(err)
		return
	}
	defer f.Close()
	if err := porcupine.Visualize(counterModel, info, f); err == nil {
		t.Logf("visualization written to %s", f.Name())
	}
}
