package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// buildServer builds forsokd into dir and returns the binary's path.
func buildServer(dir string, race bool) (string, error) {
	bin := dir + "/forsokd"
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "github.com/forsok/forsok/cmd/forsokd")
	cmd := exec.Command("go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build forsokd: %w\n%s", err, out)
	}
	return bin, nil
}

// server is a running forsokd process.
type server struct {
	cmd      *exec.Cmd
	grpcAddr string
	httpAddr string
	logs     *tail
	// races counts the race detector's reports (a server built with -race).
	races   atomic.Int64
	exited  chan struct{}
	waitErr error
}

// tail keeps the last lines a process wrote, for the report when something fails.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 40 {
		t.lines = slices.Delete(t.lines, 0, len(t.lines)-40)
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

// startServer starts forsokd on dataDir with ports the kernel picks and waits for its
// "forsokd serving" log line, which names them.
func startServer(bin, dataDir string) (*server, error) {
	cmd := exec.Command(bin, "-data", dataDir, "-http", "127.0.0.1:0", "-grpc", "127.0.0.1:0")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "FORSOK_") })
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start forsokd: %w", err)
	}
	s := &server{cmd: cmd, logs: &tail{}, exited: make(chan struct{})}
	serving := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var rec struct {
				Msg  string `json:"msg"`
				GRPC string `json:"grpc"`
				HTTP string `json:"http"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "forsokd serving" {
				select {
				case serving <- [2]string{rec.GRPC, rec.HTTP}:
				default:
				}
			}
			if strings.Contains(line, "WARNING: DATA RACE") {
				s.races.Add(1)
			}
			// The request log is one line per call: keep only what is not a call.
			if !strings.Contains(line, `"msg":"rpc"`) {
				s.logs.add(line)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	select {
	case addrs := <-serving:
		s.grpcAddr, s.httpAddr = addrs[0], addrs[1]
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("forsokd exited before serving (%v); its log:\n%s", s.waitErr, s.logs)
	case <-time.After(30 * time.Second):
		s.kill()
		return nil, fmt.Errorf("forsokd did not log \"forsokd serving\" within 30 s; its log:\n%s", s.logs)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// stop sends SIGTERM, as a service manager does, and waits for a clean exit.
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.kill()
		return fmt.Errorf("forsokd did not stop within 30 s of SIGTERM")
	}
	if s.waitErr != nil {
		return fmt.Errorf("forsokd exited with %v after SIGTERM; its log:\n%s", s.waitErr, s.logs)
	}
	return nil
}
