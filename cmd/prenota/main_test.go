package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/internal/testdb"
)

// TestMain lets the test binary act as `prenota` itself, so that the tests can
// start real, separate server processes.
func TestMain(m *testing.M) {
	if args := os.Getenv("PRENOTA_TEST_RUN"); args != "" {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := run(ctx, []string{args}, os.Getenv, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve starts `prenota serve` as a child process and waits until it is
// healthy; env (NAME=value) adds to or overrides its environment.
func serve(t *testing.T, dbURL string, env ...string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PRENOTA_TEST_RUN=serve", "PRENOTA_ADDR="+addr, "PRENOTA_DATABASE_URL="+dbURL,
		"PRENOTA_DEMO=1", "PRENOTA_DEMO_IDP=0", "PRENOTA_RATE_LIMIT=off", "PRENOTA_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("server %s:\n%s", addr, logs.String())
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
	}
	t.Fatalf("server did not become healthy:\n%s", logs.String())
	return ""
}

// client is a citizen logged in with the demo provider on one instance.
func client(t *testing.T, base string, i int) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body := fmt.Sprintf(`{"codice_fiscale":%q,"nome":"Mario","cognome":"Rossi"}`, citizenCF(t, i))
	resp, err := c.Post(base+"/api/v1/demo/login", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("demo login: %s", resp.Status)
	}
	return c
}

// citizenCF is the codice fiscale of citizen i: Mario Rossi, born in Rome
// on 1 January 1950 plus i days.
func citizenCF(t *testing.T, i int) string {
	cf, err := codicefiscale.Compute(codicefiscale.Person{Nome: "Mario", Cognome: "Rossi", Sesso: "M", Belfiore: "H501",
		DataNascita: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)})
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

type availability struct {
	Days []struct {
		Slots []struct {
			Start     string `json:"start"`
			State     string `json:"state"`
			FreeSeats int    `json:"free_seats"`
		} `json:"slots"`
	} `json:"days"`
}

// firstFree finds the first free slot of a resource in the next four weeks.
func firstFree(t *testing.T, base string, resource int64) (string, int) {
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/resources/%d/availability?days=28", base, resource))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var av availability
	if err := json.NewDecoder(resp.Body).Decode(&av); err != nil {
		t.Fatal(err)
	}
	for _, d := range av.Days {
		for _, s := range d.Slots {
			if s.State == "free" {
				return s.Start, s.FreeSeats
			}
		}
	}
	t.Fatal("no free slot")
	return "", 0
}

func resourceID(t *testing.T, base, name string) int64 {
	resp, err := http.Get(base + "/api/v1/resources")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	type node struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		Children []node `json:"children"`
	}
	var tree []node
	if err := json.NewDecoder(resp.Body).Decode(&tree); err != nil {
		t.Fatal(err)
	}
	var find func([]node) int64
	find = func(ns []node) int64 {
		for _, n := range ns {
			if n.Name == name {
				return n.ID
			}
			if id := find(n.Children); id != 0 {
				return id
			}
		}
		return 0
	}
	if id := find(tree); id != 0 {
		return id
	}
	t.Fatalf("no resource %q", name)
	return 0
}

// TestTwoInstancesOnePostgres races 200 citizens, spread over two server
// processes sharing one PostgreSQL database, for one slot: exactly capacity win.
func TestTwoInstancesOnePostgres(t *testing.T) {
	url := testdb.URL(t, "postgres")
	a := serve(t, url) // the first loads the demo Comune
	b := serve(t, url)
	for _, tc := range []struct {
		resource string
		capacity int
	}{{"Sportello 2", 1}, {"Biblioteca Comunale", 2}} {
		t.Run(tc.resource, func(t *testing.T) {
			id := resourceID(t, a, tc.resource)
			start, free := firstFree(t, b, id)
			if free != tc.capacity {
				t.Fatalf("free seats %d, want %d", free, tc.capacity)
			}
			const n = 200
			clients := make([]*http.Client, n)
			bases := make([]string, n)
			for i := range clients {
				bases[i] = []string{a, b}[i%2]
				clients[i] = client(t, bases[i], i)
			}
			statuses := make([]int, n)
			var wg sync.WaitGroup
			ready := make(chan struct{})
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-ready
					body := fmt.Sprintf(`{"resource_id":%d,"start":%q,"slots":1}`, id, start)
					resp, err := clients[i].Post(bases[i]+"/api/v1/holds", "application/json", bytes.NewBufferString(body))
					if err != nil {
						t.Errorf("hold: %v", err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					statuses[i] = resp.StatusCode
				}()
			}
			close(ready)
			wg.Wait()
			count := map[int]int{}
			perInstance := map[string]int{}
			for i, s := range statuses {
				count[s]++
				if s == http.StatusCreated {
					perInstance[bases[i]]++
				}
			}
			if count[http.StatusCreated] != tc.capacity || count[http.StatusConflict] != n-tc.capacity {
				t.Fatalf("statuses %v, want %d × 201 and the rest 409", count, tc.capacity)
			}
			t.Logf("winners per instance: %v", perInstance)
			_, freeAfter := slotState(t, a, id, start)
			if freeAfter != 0 {
				t.Fatalf("slot still shows %d free seats", freeAfter)
			}
		})
	}
}

// slotState returns the state and free seats of the slot at start.
func slotState(t *testing.T, base string, resource int64, start string) (string, int) {
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/resources/%d/availability?days=28", base, resource))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var av availability
	json.NewDecoder(resp.Body).Decode(&av)
	for _, d := range av.Days {
		for _, s := range d.Slots {
			if s.Start == start {
				return s.State, s.FreeSeats
			}
		}
	}
	t.Fatalf("slot %s not found", start)
	return "", 0
}
