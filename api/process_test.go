//lint:file-ignore SA1019 OpenAI deprecated the Assistants API that r2kit serves; the official client's methods for it are what these tests drive.

package api_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/servetest"
)

// serveProcess starts "r2kit serve" on bucket with the test key and env
// added to the environment, and returns its base URL. The process is
// stopped with SIGTERM at the end of the test.
func serveProcess(t *testing.T, bin, bucket string, env ...string) string {
	t.Helper()
	env = append([]string{"R2KIT_API_KEYS=" + testKey}, env...)
	return servetest.Start(t, bin, env, "--bucket", bucket, "--log-level", "warn").Base
}

// Two server processes on one bucket: 8 clients write 25 messages each
// into one thread, spread over both servers; both list exactly the 200
// messages, each once, in creation order.
func TestTwoServerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the r2kit binary")
	}
	bin := servetest.Build(t)
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		twoServers(t, serveProcess(t, bin, dir), serveProcess(t, bin, dir))
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		s := backendtest.RequireS3(t, false)
		bucket := backendtest.CreateBucket(t, s.Client())
		url := fmt.Sprintf("s3://%s?endpoint=%s&region=%s&path_style=true", bucket, s.Endpoint, s.Region)
		none := filepath.Join(t.TempDir(), "none")
		env := []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
			"AWS_CONFIG_FILE=" + none, "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_EC2_METADATA_DISABLED=true"}
		twoServers(t, serveProcess(t, bin, url, env...), serveProcess(t, bin, url, env...))
	})
}

func twoServers(t *testing.T, a, b string) {
	const clients, each = 8, 25
	ctx := t.Context()
	servers := []openai.Client{openaiClient(t, a, testKey), openaiClient(t, b, testKey)}
	th, err := servers[0].Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		created []string
		wg      sync.WaitGroup
		errs    = make(chan error, clients)
	)
	for i := range clients {
		wg.Go(func() {
			for k := range each {
				c := servers[(i+k)%2]
				m, err := c.Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
					Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String(fmt.Sprintf("client %d message %d", i, k))}})
				if err != nil {
					errs <- fmt.Errorf("client %d message %d: %w", i, k, err)
					return
				}
				mu.Lock()
				created = append(created, m.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(created) // generated ids sort in creation order
	for i, c := range servers {
		var listed []string
		it := c.Beta.Threads.Messages.ListAutoPaging(ctx, th.ID, openai.BetaThreadMessageListParams{
			Order: openai.BetaThreadMessageListParamsOrderAsc, Limit: openai.Int(100)})
		for it.Next() {
			listed = append(listed, it.Current().ID)
		}
		if err := it.Err(); err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
		if len(listed) != clients*each || !slices.Equal(listed, created) {
			t.Fatalf("server %d listed %d messages; want the %d created, each once, in order", i, len(listed), clients*each)
		}
	}
}
