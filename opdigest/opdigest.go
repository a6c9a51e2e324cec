package opdigest

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// Param is one name/value pair, in configuration order.
type Param struct {
	Name, Value string
}

// Op is the operation side of a digest.
type Op struct {
	// Name is the action: start, stop, monitor, promote, ...
	Name string
	// IntervalMS is the recurring interval in milliseconds (0 for one-shot
	// actions and probes).
	IntervalMS uint64
	// TimeoutMS is the operation's effective timeout in milliseconds. It only
	// enters the op-digest of recurring operations.
	TimeoutMS uint64
	// Params are the operation's own instance attributes (e.g. OCF_CHECK_LEVEL).
	// They override resource parameters of the same name.
	Params []Param
}

// Input is everything the three digests of one operation depend on.
type Input struct {
	// Params are the resource's instance attributes evaluated for the node.
	// Later entries win over earlier ones with the same name.
	Params []Param
	Op     Op
	// RestartParams is the op-force-restart list. When nil, no restart
	// digest is computed (Pacemaker records none when the agent cannot reload).
	RestartParams []string
	// SecureParams is the op-secure-params list (private parameters). When
	// nil, no secure digest is computed.
	SecureParams []string
	// Fencing is true for class stonith: pcmk_* parameters are left out of the
	// secure digest.
	Fencing bool
	// FeatureSet is the crm_feature_set of the recorded entry the digest is
	// compared with ("" for the current one). Entries recorded before
	// feature set 2.0 digested recurring operations without their timeout.
	FeatureSet string
}

// Digests are the three digest attributes of an lrm_rsc_op entry. An empty
// string means the attribute is not recorded.
type Digests struct {
	All     string // op-digest
	Restart string // op-restart-digest
	Secure  string // op-secure-digest
}

// Compute returns the digests of an operation described by configuration.
func Compute(in Input) Digests {
	set := make(map[string]string, len(in.Params)+len(in.Op.Params)+1)
	for _, p := range in.Params {
		set[p.Name] = p.Value
	}
	for _, p := range in.Op.Params {
		set[p.Name] = p.Value
	}
	timeout := strconv.FormatUint(in.Op.TimeoutMS, 10)
	if in.FeatureSet != "" && compareVersions(in.FeatureSet, "2.0") < 0 {
		timeout = ""
	}
	filtered := filterMain(set, in.Op.IntervalMS, timeout)
	return compute(filtered, in.RestartParams, in.SecureParams, in.Fencing)
}

// compareVersions compares dotted version numbers (3.0.10 > 3.0.9). A missing
// or non-numeric part counts as 0. It runs once per digest the scheduler
// checks, so it walks the strings instead of splitting them.
func compareVersions(a, b string) int {
	for a != "" || b != "" {
		var pa, pb string
		pa, a, _ = strings.Cut(a, ".")
		pb, b, _ = strings.Cut(b, ".")
		x, _ := strconv.Atoi(pa)
		y, _ := strconv.Atoi(pb)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// FromAction returns the digests of an action given the flat parameter set it
// is executed with: instance attributes (resource and op) together with the
// CRM_meta_* values the scheduler attaches (CRM_meta_interval and
// CRM_meta_timeout decide whether and which timeout is included).
func FromAction(params map[string]string, restartParams, secureParams []string, fencing bool) Digests {
	interval, _ := strconv.ParseUint(params["CRM_meta_interval"], 10, 64)
	filtered := filterMain(params, interval, params["CRM_meta_timeout"])
	return compute(filtered, restartParams, secureParams, fencing)
}

func compute(filtered map[string]string, restartParams, secureParams []string, fencing bool) Digests {
	d := Digests{All: Digest(filtered)}
	if restartParams != nil {
		keep := make(map[string]string, len(restartParams))
		for _, n := range restartParams {
			if v, ok := filtered[n]; ok {
				keep[n] = v
			}
		}
		d.Restart = Digest(keep)
	}
	if secureParams != nil {
		drop := make(map[string]bool, len(secureParams))
		for _, n := range secureParams {
			drop[n] = true
		}
		keep := make(map[string]string, len(filtered))
		for n, v := range filtered {
			if drop[n] || strings.HasPrefix(n, metaPrefix) || (fencing && strings.HasPrefix(n, "pcmk_")) {
				continue
			}
			keep[n] = v
		}
		d.Secure = Digest(keep)
	}
	return d
}

const metaPrefix = "CRM_meta_"

// alwaysFiltered are names that never take part in a digest: they describe
// the operation record, not the agent's parameters.
var alwaysFiltered = map[string]bool{
	"id": true, "crm_feature_set": true, "op-digest": true, "on_node": true,
	"on_node_uuid": true, "pcmk_external_ip": true,
}

// filterMain applies the op-digest filter and returns a new map.
func filterMain(set map[string]string, intervalMS uint64, timeout string) map[string]string {
	out := make(map[string]string, len(set)+1)
	for n, v := range set {
		if alwaysFiltered[n] || strings.HasPrefix(n, metaPrefix) {
			continue
		}
		out[n] = v
	}
	// Recurring operations keep their timeout: a changed monitor timeout must
	// reschedule the monitor, whereas one-shot actions are unaffected.
	if intervalMS > 0 && timeout != "" {
		out[metaPrefix+"timeout"] = timeout
	}
	return out
}

// Digest returns the MD5 of the canonical serialisation of params, with no
// filtering. Use Compute or FromAction for lrm_rsc_op digests.
func Digest(params map[string]string) string {
	sum := md5.Sum(Canonical(params))
	return hex.EncodeToString(sum[:])
}

// Canonical returns the exact bytes Pacemaker hashes for params.
func Canonical(params map[string]string) []byte {
	names := make([]string, 0, len(params))
	size := len(" <parameters/>\n")
	for n, v := range params {
		names = append(names, n)
		size += len(n) + len(v) + 4
	}
	sort.Strings(names)
	var b strings.Builder
	b.Grow(size + size/8)
	b.WriteString(" <parameters")
	for _, n := range names {
		b.WriteByte(' ')
		b.WriteString(n)
		b.WriteString(`="`)
		escape(&b, params[n])
		b.WriteByte('"')
	}
	b.WriteString("/>\n")
	return []byte(b.String())
}

// escape writes v as Pacemaker 2.1's XML writer does. Its escaping stops at
// the first pair of bytes that both have the high bit set (the start of a
// multi-byte UTF-8 character): the rest of the value is copied unchanged.
// Other bytes outside printable ASCII become a backslash and three octal digits.
func escape(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c&0x80 != 0 && i+1 < len(v) && v[i+1]&0x80 != 0 {
			b.WriteString(v[i:])
			return
		}
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString("    ")
		default:
			if c < ' ' || c > '~' {
				b.WriteByte('\\')
				b.WriteByte('0' + c>>6)
				b.WriteByte('0' + (c>>3)&7)
				b.WriteByte('0' + c&7)
				continue
			}
			b.WriteByte(c)
		}
	}
}

// FormatList formats a parameter-name list the way Pacemaker 2.1 records
// op-force-restart and op-secure-params: names separated by single spaces,
// padded by two spaces on each side ("  a b  ").
func FormatList(names []string) string {
	return "  " + strings.Join(names, " ") + "  "
}

// ParseList splits a recorded op-force-restart or op-secure-params value.
// It returns a non-nil slice so an empty list still means "digest recorded".
func ParseList(s string) []string {
	f := strings.Fields(s)
	if f == nil {
		f = []string{}
	}
	return f
}
