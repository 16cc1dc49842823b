package runner_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2kit/r2kit/assistants"
	"github.com/r2kit/r2kit/assistants/store"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/fakemodel"
	"github.com/r2kit/r2kit/runner"
	"github.com/r2kit/r2kit/storage"
)

// TestManyWorkers: three workers, each with its own Store on one
// bucket, execute 60 runs; one is killed mid-way (its context cancelled
// at once: no more renewals, no more writes). Every run ends completed
// with exactly one reply; model requests are repeated only for runs the
// killed worker had in flight; no run is ever executed by two workers at
// once (the fake model counts the requests in flight per run).
func TestManyWorkers(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		const runs, workers = 60, 3
		fm := fakemodel.New()
		fm.Default = func(req fakemodel.Request) fakemodel.Reply {
			delay := 200 * time.Millisecond
			if strings.HasPrefix(req.Path, "/w0/") {
				// w0's model calls last until it is killed, so that it has
				// calls in flight then, however loaded the machine.
				delay = 15 * time.Second
			}
			return fakemodel.Reply{Content: "done with " + fakemodel.LastUserText(req), Delay: delay,
				TokenDelay: 20 * time.Millisecond}
		}
		e := newEnv(t, newBucket(t), fm)
		ws := make([]*runner.Worker, workers)
		stops := make([]func(), workers)
		for i := range ws {
			// Leases long enough that a live worker renews in time on a
			// loaded machine: only the killed worker's runs change hands.
			o := fastOptions
			o.ID, o.LeaseDuration = fmt.Sprintf("w%d", i), 3*time.Second
			ws[i] = runner.New(store.Open(e.bucket, nil), e.client(fmt.Sprintf("/w%d", i)), &o)
		}
		type job struct{ thread, run string }
		jobs := make([]job, runs)
		parallel(runs, func(i int) {
			thread := e.thread(fmt.Sprintf("job-%02d", i))
			jobs[i] = job{thread, e.run(thread, nil).ID}
		})
		for i := range ws {
			stops[i] = e.start(ws[i])
		}
		parallel(runs, func(i int) {
			if err := ws[i%workers].Enqueue(t.Context(), jobs[i].thread, jobs[i].run); err != nil {
				t.Error(err)
			}
		})
		// Kill w0 while it has requests in flight.
		deadline := time.Now().Add(20 * time.Second)
		for inFlight(fm, "/w0/") < 2 {
			if time.Now().After(deadline) {
				t.Fatal("w0 never had two requests in flight")
			}
			time.Sleep(2 * time.Millisecond)
		}
		killedWith := inFlight(fm, "/w0/")
		stops[0]()
		killed := time.Now()

		owner := map[string]string{}
		for _, j := range jobs {
			r := e.wait(j.thread, j.run, assistants.RunCompleted, assistants.RunFailed, assistants.RunCancelled, assistants.RunExpired)
			if r.Status != assistants.RunCompleted {
				t.Errorf("run %s ended %s (%+v)", j.run, r.Status, r.LastError)
				continue
			}
			_, l, err := e.store.Runs.GetLeased(t.Context(), j.thread, j.run)
			if err != nil {
				t.Fatal(err)
			}
			owner[r.ID] = l.Owner
			if rs := replies(e.messages(j.thread), j.run); len(rs) != 1 {
				t.Errorf("run %s has %d replies", j.run, len(rs))
			}
		}
		took := time.Since(killed)

		byKey := map[string][]string{} // job text -> paths of its requests
		for _, req := range fm.Requests() {
			k := fakemodel.LastUserText(req)
			byKey[k] = append(byKey[k], req.Path)
		}
		repeated, onKilled := 0, 0
		for i, j := range jobs {
			paths := byKey[fmt.Sprintf("job-%02d", i)]
			fromKilled := 0
			for _, p := range paths {
				if strings.HasPrefix(p, "/w0/") {
					fromKilled++
				}
			}
			if fromKilled > 0 && owner[j.run] != "w0" {
				onKilled++
			}
			switch {
			case len(paths) == 0:
				t.Errorf("run %s: no model request", j.run)
			case len(paths) > 1:
				repeated += len(paths) - 1
				if len(paths) > 2 || fromKilled != 1 || owner[j.run] == "w0" {
					t.Errorf("run %s: requests from %v (finished by %s): repeated although not in flight on the killed worker",
						j.run, paths, owner[j.run])
				}
			}
		}
		for key, n := range fm.MaxInFlight() {
			if n > 1 {
				t.Errorf("%s: %d model requests in flight at once", key, n)
			}
		}
		t.Logf("%d runs on %d workers; w0 killed with %d requests in flight; %d runs it held finished by others; "+
			"%d model requests repeated (%d in all); all completed %v after the kill",
			runs, workers, killedWith, onKilled, repeated, fm.Count(), took.Round(time.Millisecond))
	})
}

// parallel calls fn(0..n-1), 8 at a time, and waits for them.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// inFlight counts the requests the fake model is answering under path
// prefix p.
func inFlight(fm *fakemodel.Server, p string) int {
	n := 0
	for _, req := range fm.Active() {
		if strings.HasPrefix(req.Path, p) {
			n++
		}
	}
	return n
}
