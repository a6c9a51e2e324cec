package cluster

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Infinity is Pacemaker's score infinity.
const Infinity = 1000000

// IsTrue parses a Pacemaker boolean ("true", "on", "yes", "y", "1").
func IsTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

// ParseBool parses a boolean with a default for empty or unrecognised values.
func ParseBool(s string, def bool) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true
	case "false", "off", "no", "n", "0":
		return false
	}
	return def
}

// ParseScore parses a score ("INFINITY", "-INFINITY", integers), clamping to
// +/-Infinity. Unparseable values score 0, as Pacemaker does.
func ParseScore(s string) int {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "INFINITY", "+INFINITY":
		return Infinity
	case "-INFINITY":
		return -Infinity
	case "":
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Pacemaker reads a leading integer if any.
		i := 0
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, err = strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0
		}
	}
	if n > Infinity {
		return Infinity
	}
	if n < -Infinity {
		return -Infinity
	}
	return int(n)
}

// ScoreString renders a score the way Pacemaker prints it.
func ScoreString(n int) string {
	switch {
	case n >= Infinity:
		return "INFINITY"
	case n <= -Infinity:
		return "-INFINITY"
	}
	return strconv.Itoa(n)
}

// ParseInt parses an integer, returning def on error.
func ParseInt(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

// ParseInterval parses a Pacemaker time specification into a duration: a bare
// number is seconds; units ms/msec, us/usec, s/sec, m/min, h/hr are accepted,
// as are ISO 8601 durations such as "PT10S".
func ParseInterval(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if s[0] == 'P' || s[0] == 'p' {
		return parseISODuration(s)
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || (i == 0 && (s[i] == '-' || s[i] == '+'))) {
		i++
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	if num == "" {
		return 0, fmt.Errorf("invalid time specification %q", s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid time specification %q: %w", s, err)
	}
	var mult time.Duration
	switch unit {
	case "", "s", "sec", "secs", "second", "seconds":
		mult = time.Second
	case "ms", "msec", "msecs":
		mult = time.Millisecond
	case "us", "usec", "usecs":
		mult = time.Microsecond
	case "m", "min", "mins", "minute", "minutes":
		mult = time.Minute
	case "h", "hr", "hrs", "hour", "hours":
		mult = time.Hour
	default:
		return 0, fmt.Errorf("invalid time unit in %q", s)
	}
	return time.Duration(f * float64(mult)), nil
}

// parseISODuration handles PnYnMnDTnHnMnS (years and months approximated).
func parseISODuration(s string) (time.Duration, error) {
	var d time.Duration
	inTime := false
	num := ""
	for _, c := range strings.ToUpper(s[1:]) {
		switch {
		case c == 'T':
			inTime = true
		case c >= '0' && c <= '9' || c == '.':
			num += string(c)
		default:
			if num == "" {
				return 0, fmt.Errorf("invalid ISO 8601 duration %q", s)
			}
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("invalid ISO 8601 duration %q: %w", s, err)
			}
			num = ""
			var unit time.Duration
			switch {
			case c == 'Y' && !inTime:
				unit = 365 * 24 * time.Hour
			case c == 'M' && !inTime:
				unit = 30 * 24 * time.Hour
			case c == 'W' && !inTime:
				unit = 7 * 24 * time.Hour
			case c == 'D' && !inTime:
				unit = 24 * time.Hour
			case c == 'H':
				unit = time.Hour
			case c == 'M' && inTime:
				unit = time.Minute
			case c == 'S':
				// Pacemaker accepts "P30S" as thirty seconds.
				unit = time.Second
			default:
				return 0, fmt.Errorf("invalid ISO 8601 duration %q", s)
			}
			d += time.Duration(f * float64(unit))
		}
	}
	if num != "" {
		return 0, fmt.Errorf("invalid ISO 8601 duration %q", s)
	}
	return d, nil
}

// Properties are the crm_config cluster options in XML order (first set wins).
type Properties struct {
	Sets   []AttrSet
	Values map[string]string
}

// Get returns a property value and whether it is set.
func (p Properties) Get(name string) (string, bool) {
	v, ok := p.Values[name]
	return v, ok
}

// String returns a property or def.
func (p Properties) String(name, def string) string {
	if v, ok := p.Values[name]; ok {
		return v
	}
	return def
}

// Bool returns a boolean property or def.
func (p Properties) Bool(name string, def bool) bool {
	return ParseBool(p.Values[name], def)
}

// Duration returns a time property or def.
func (p Properties) Duration(name string, def time.Duration) time.Duration {
	v, ok := p.Values[name]
	if !ok {
		return def
	}
	d, err := ParseInterval(v)
	if err != nil {
		return def
	}
	return d
}

// StonithEnabled is stonith-enabled (default true).
func (p Properties) StonithEnabled() bool { return p.Bool("stonith-enabled", true) }

// SymmetricCluster is symmetric-cluster (default true).
func (p Properties) SymmetricCluster() bool { return p.Bool("symmetric-cluster", true) }

// NoQuorumPolicy is no-quorum-policy (default "stop").
func (p Properties) NoQuorumPolicy() string { return p.String("no-quorum-policy", "stop") }

// MaintenanceMode is maintenance-mode (default false).
func (p Properties) MaintenanceMode() bool { return p.Bool("maintenance-mode", false) }

// StopAllResources is stop-all-resources (default false).
func (p Properties) StopAllResources() bool { return p.Bool("stop-all-resources", false) }

// StartFailureIsFatal is start-failure-is-fatal (default true).
func (p Properties) StartFailureIsFatal() bool { return p.Bool("start-failure-is-fatal", true) }

// StartupFencing is startup-fencing (default true).
func (p Properties) StartupFencing() bool { return p.Bool("startup-fencing", true) }

// StopOrphanResources is stop-orphan-resources (default true).
func (p Properties) StopOrphanResources() bool { return p.Bool("stop-orphan-resources", true) }

// StopOrphanActions is stop-orphan-actions (default true).
func (p Properties) StopOrphanActions() bool { return p.Bool("stop-orphan-actions", true) }

// ShutdownLock is shutdown-lock (default false).
func (p Properties) ShutdownLock() bool { return p.Bool("shutdown-lock", false) }

// DefaultResourceStickiness is the deprecated default-resource-stickiness.
func (p Properties) DefaultResourceStickiness() int {
	return ParseScore(p.Values["default-resource-stickiness"])
}

// PlacementStrategy is placement-strategy (default "default").
func (p Properties) PlacementStrategy() string { return p.String("placement-strategy", "default") }

// ClusterRecheckInterval is cluster-recheck-interval (default 15min).
func (p Properties) ClusterRecheckInterval() time.Duration {
	return p.Duration("cluster-recheck-interval", 15*time.Minute)
}

// StonithAction is stonith-action (default "reboot").
func (p Properties) StonithAction() string { return p.String("stonith-action", "reboot") }

// StonithTimeout is stonith-timeout (default 60s).
func (p Properties) StonithTimeout() time.Duration {
	return p.Duration("stonith-timeout", 60*time.Second)
}

// ConcurrentFencing is concurrent-fencing (default false in 2.1).
func (p Properties) ConcurrentFencing() bool { return p.Bool("concurrent-fencing", false) }

// NodeHealthStrategy is node-health-strategy (default "none").
func (p Properties) NodeHealthStrategy() string { return p.String("node-health-strategy", "none") }

// ClusterName is cluster-name.
func (p Properties) ClusterName() string { return p.Values["cluster-name"] }

// DCVersion is dc-version.
func (p Properties) DCVersion() string { return p.Values["dc-version"] }

// ClusterInfrastructure is cluster-infrastructure.
func (p Properties) ClusterInfrastructure() string { return p.Values["cluster-infrastructure"] }
