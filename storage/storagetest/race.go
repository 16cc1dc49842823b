package storagetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r2kit/r2kit/storage"
)

// race runs f(i) for i in [0, n) on n goroutines released together, and
// returns their errors by index.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// winner checks that exactly one of errs is nil and every other matches
// one of losers; it returns the winner's index, or -1.
func winner(t *testing.T, what string, errs []error, losers ...error) int {
	t.Helper()
	var wins []int
	for i, err := range errs {
		switch {
		case err == nil:
			wins = append(wins, i)
		case !matchesAny(err, losers):
			t.Errorf("%s: racer %d failed with %v, want an error matching one of %v", what, i, err, losers)
		}
	}
	if len(wins) != 1 {
		t.Errorf("%s: %d of %d racers succeeded (%v), want exactly one", what, len(wins), len(errs), wins)
		return -1
	}
	return wins[0]
}

// atLeastOneWinner is winner for stores that declare racing conditional
// deletes not atomic: one or more racers may succeed.
func atLeastOneWinner(t *testing.T, what string, errs []error, losers ...error) {
	t.Helper()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !matchesAny(err, losers):
			t.Errorf("%s: racer %d failed with %v, want an error matching one of %v", what, i, err, losers)
		}
	}
	if wins == 0 {
		t.Errorf("%s: no racer succeeded", what)
	}
}

func matchesAny(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// raceRounds is how many times each race is run, on fresh keys: a
// check-then-write backend loses only some of them.
const raceRounds = 4

// testRace: "Conditional writes are atomic: of many racing conditional
// writes against one ETag, at most one succeeds", for creates, updates
// and deletes; a compare-and-swap loop loses no update.
func (s *suite) testRace(t *testing.T) {
	t.Run("CreateOnce", func(t *testing.T) {
		b := s.bucket(t)
		for round := range raceRounds {
			key := fmt.Sprintf("k%d", round)
			racePuts(t, b, key, &storage.PutOptions{IfNoneMatch: "*"})
		}
	})
	t.Run("UpdateOnce", func(t *testing.T) {
		b := s.bucket(t)
		for round := range raceRounds {
			key := fmt.Sprintf("k%d", round)
			base := put(t, b, key, []byte("base"), nil)
			racePuts(t, b, key, &storage.PutOptions{IfMatch: base.ETag})
		}
	})
	t.Run("DeleteOnce", func(t *testing.T) {
		if reason := s.h.ConditionalDeleteNotAtomic; reason != "" {
			t.Logf("declared: conditional deletes are not atomic (%s): checking that the object is gone and every racer answered", reason)
		}
		b := s.bucket(t)
		for round := range raceRounds {
			key := fmt.Sprintf("k%d", round)
			a := put(t, b, key, []byte("doomed"), nil)
			errs := race(8, func(int) error {
				return b.Delete(t.Context(), key, &storage.DeleteOptions{IfMatch: a.ETag})
			})
			what := fmt.Sprintf("Delete(%q, IfMatch %q)", key, a.ETag)
			if s.h.ConditionalDeleteNotAtomic != "" {
				atLeastOneWinner(t, what, errs, storage.ErrPreconditionFailed, storage.ErrNotFound)
			} else {
				winner(t, what, errs, storage.ErrPreconditionFailed, storage.ErrNotFound)
			}
			checkMissing(t, b, key)
		}
	})
	t.Run("CASCounter", s.testCASCounter)
}

// racePuts has 16 goroutines Put different bodies at key with opts at
// once, and checks that exactly one wins and its body is stored.
func racePuts(t *testing.T, b storage.Bucket, key string, opts *storage.PutOptions) {
	t.Helper()
	const n = 16
	attrs := make([]*storage.Attrs, n)
	errs := race(n, func(i int) (err error) {
		body := fmt.Sprintf("writer %d", i)
		attrs[i], err = b.Put(t.Context(), key, strings.NewReader(body), opts)
		return err
	})
	what := fmt.Sprintf("Put(%q, IfMatch %q, IfNoneMatch %q)", key, opts.IfMatch, opts.IfNoneMatch)
	if w := winner(t, what, errs, storage.ErrPreconditionFailed); w >= 0 {
		checkBody(t, b, key, fmt.Appendf(nil, "writer %d", w), attrs[w].ETag)
	}
}

// counter is the JSON document of the CAS test.
type counter struct {
	N int `json:"n"`
}

// testCASCounter: 8 goroutines each add 1 to a JSON counter 25 times with
// Get and Put IfMatch, retrying when they lose: the counter ends at
// exactly 200 after exactly 200 successful Puts.
func (s *suite) testCASCounter(t *testing.T) {
	const workers, increments = 8, 25
	b := s.bucket(t)
	put(t, b, "counter.json", []byte(`{"n":0}`), nil)
	var puts, conflicts atomic.Int64
	errs := race(workers, func(int) error {
		for range increments {
			if err := increment(t, b, "counter.json", &puts, &conflicts); err != nil {
				return err
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	}
	_, data := get(t, b, "counter.json", nil)
	var c counter
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("counter %q: %v", data, err)
	}
	if c.N != workers*increments || puts.Load() != workers*increments {
		t.Errorf("counter = %d after %d successful Puts, want %d after %d", c.N, puts.Load(), workers*increments, workers*increments)
	}
	t.Logf("%d increments, %d conflicts retried", puts.Load(), conflicts.Load())
}

// increment adds 1 to the counter at key, retrying while another writer
// wins. Transient errors (which change nothing) are retried after a short
// pause.
func increment(t testing.TB, b storage.Bucket, key string, puts, conflicts *atomic.Int64) error {
	pause := time.Millisecond
	for attempt := 0; ; attempt++ {
		if attempt > 10000 {
			return fmt.Errorf("no progress after %d attempts", attempt)
		}
		err := tryIncrement(t, b, key)
		switch {
		case err == nil:
			puts.Add(1)
			return nil
		case errors.Is(err, storage.ErrPreconditionFailed):
			conflicts.Add(1)
		case errors.Is(err, storage.ErrTransient):
			time.Sleep(pause)
			pause = min(2*pause, 100*time.Millisecond)
		default:
			return err
		}
	}
}

// tryIncrement reads the counter and writes it back plus one, if nobody
// wrote in between.
func tryIncrement(t testing.TB, b storage.Bucket, key string) error {
	obj, err := b.Get(t.Context(), key, nil)
	if err != nil {
		return err
	}
	var c counter
	err = json.NewDecoder(obj.Body).Decode(&c)
	obj.Body.Close()
	if err != nil {
		return fmt.Errorf("decoding counter: %w", err)
	}
	c.N++
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = b.Put(t.Context(), key, strings.NewReader(string(data)), &storage.PutOptions{IfMatch: obj.ETag})
	return err
}
