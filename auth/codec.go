package auth

import (
	"encoding/json"
	"fmt"
	"time"
)

// codec stores a session as JSON: {"d": deadline (unix ns), "v": values}.
// It replaces scs's gob codec, which on every request re-encodes the type
// information of the whole map and cost about a tenth of a week-grid
// request. Values are strings (see Manager.Put); other types are refused.
type codec struct{}

type encoded struct {
	Deadline int64             `json:"d"`
	Values   map[string]string `json:"v"`
}

func (codec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	e := encoded{Deadline: deadline.UnixNano(), Values: make(map[string]string, len(values))}
	for k, v := range values {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("session value %q is a %T, not a string", k, v)
		}
		e.Values[k] = s
	}
	return json.Marshal(e)
}

func (codec) Decode(b []byte) (time.Time, map[string]any, error) {
	var e encoded
	if err := json.Unmarshal(b, &e); err != nil {
		return time.Time{}, nil, err
	}
	values := make(map[string]any, len(e.Values))
	for k, v := range e.Values {
		values[k] = v
	}
	return time.Unix(0, e.Deadline), values, nil
}
