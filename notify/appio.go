package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultAppIOURL is the App IO API of PagoPA.
const DefaultAppIOURL = "https://api.io.pagopa.it"

// AppIO sends messages to citizens' App IO, by codice fiscale, through the
// messages API of the Comune's service (its subscription key).
type AppIO struct {
	url    string
	key    string
	client *http.Client
}

// NewAppIO returns the App IO client of the service with API key key; baseURL
// "" means DefaultAppIOURL.
func NewAppIO(baseURL, key string, client *http.Client) *AppIO {
	if baseURL == "" {
		baseURL = DefaultAppIOURL
	}
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	return &AppIO{url: strings.TrimRight(baseURL, "/"), key: key, client: client}
}

// ErrNotOnIO is returned by Send when the citizen does not use App IO or does
// not accept messages from this service: there is nothing to retry.
var ErrNotOnIO = errors.New("notify: the citizen is not reachable on App IO")

// Send checks the citizen's profile and, when the service may write to them,
// posts the message. It returns the ID App IO gives the message, ErrNotOnIO
// when the profile does not exist or does not allow this sender, and another
// error (to retry) when App IO cannot be reached or refuses the call.
func (a *AppIO) Send(ctx context.Context, fiscalCode, subject, markdown string) (string, error) {
	var profile struct {
		SenderAllowed *bool `json:"sender_allowed"`
	}
	status, err := a.post(ctx, "/api/v1/profiles", map[string]string{"fiscal_code": fiscalCode}, &profile)
	if err != nil {
		return "", err
	}
	switch {
	case status == http.StatusNotFound:
		return "", ErrNotOnIO
	case status != http.StatusOK:
		return "", fmt.Errorf("notify: App IO profiles: HTTP %d", status)
	case profile.SenderAllowed != nil && !*profile.SenderAllowed:
		return "", ErrNotOnIO
	}
	var created struct {
		ID string `json:"id"`
	}
	msg := map[string]any{"fiscal_code": fiscalCode, "content": map[string]string{"subject": subject, "markdown": markdown}}
	status, err = a.post(ctx, "/api/v1/messages", msg, &created)
	if err != nil {
		return "", err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return "", fmt.Errorf("notify: App IO messages: HTTP %d", status)
	}
	return created.ID, nil
}

// post sends body as JSON and decodes a 2xx answer into out.
func (a *AppIO) post(ctx context.Context, path string, body, out any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url+path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Ocp-Apim-Subscription-Key", a.key)
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("notify: App IO %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("notify: App IO %s: %w", path, err)
	}
	if resp.StatusCode/100 == 2 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, fmt.Errorf("notify: App IO %s: bad answer: %w", path, err)
		}
	}
	return resp.StatusCode, nil
}
