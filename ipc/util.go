package ipc

import (
	"encoding/json"
	"time"
)

var (
	timeZero time.Time
	past     = time.Unix(1, 0)
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
