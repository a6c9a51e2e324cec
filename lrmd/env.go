package lrmd

import (
	"os"
	"sort"
	"strconv"
	"strings"
)

// metaEnvName turns a meta attribute name into its environment form:
// Pacemaker passes clone-max as OCF_RESKEY_CRM_meta_clone_max.
func metaEnvName(name string) string {
	return "OCF_RESKEY_CRM_meta_" + strings.ReplaceAll(name, "-", "_")
}

// validEnvName reports whether s can be part of an environment variable name
// a shell can read; others are skipped rather than corrupting the env.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// inheritedEnv is the executor's own environment without the variables
// the executor sets for each agent (so nothing stale leaks through).
func inheritedEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "OCF_RESKEY_"), strings.HasPrefix(k, "OCF_RESOURCE_"),
			k == "OCF_CHECK_LEVEL", k == "OCF_ROOT", k == "OCF_RA_VERSION_MAJOR", k == "OCF_RA_VERSION_MINOR",
			k == "PATH", k == "HA_SBIN_DIR":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// envBuilder collects NAME=VALUE pairs; a later value for a name replaces
// the earlier one (getenv would otherwise see the first of duplicates).
type envBuilder struct {
	order []string
	vals  map[string]string
}

func (b *envBuilder) set(k, v string) {
	if b.vals == nil {
		b.vals = map[string]string{}
	}
	if _, ok := b.vals[k]; !ok {
		b.order = append(b.order, k)
	}
	b.vals[k] = v
}

func (b *envBuilder) add(kvs []string) {
	for _, kv := range kvs {
		if k, v, ok := strings.Cut(kv, "="); ok {
			b.set(k, v)
		}
	}
}

func (b *envBuilder) list() []string {
	out := make([]string, 0, len(b.order))
	for _, k := range b.order {
		out = append(out, k+"="+b.vals[k])
	}
	return out
}

// agentEnv builds the environment an OCF agent runs with, as Pacemaker's
// executor builds it: its own environment plus the OCF variables.
func (e *Executor) agentEnv(req *Request, ocfRoot string, timeoutMS uint64) []string {
	var b envBuilder
	b.add(inheritedEnv())
	b.add(e.opts.Env)
	if e.opts.ToolDir != "" {
		b.set("HA_SBIN_DIR", e.opts.ToolDir)
	}
	b.set("PATH", agentPath(e.opts.ToolDir))
	b.set("OCF_RA_VERSION_MAJOR", "1")
	b.set("OCF_RA_VERSION_MINOR", "1")
	b.set("OCF_ROOT", ocfRoot)
	if e.opts.NodeName != "" {
		b.set("OCF_RESKEY_CRM_meta_on_node", e.opts.NodeName)
	}
	if req.RscID != "" {
		b.set("OCF_RESOURCE_INSTANCE", req.RscID)
	}
	if req.Type != "" {
		b.set("OCF_RESOURCE_TYPE", req.Type)
	}
	if req.Provider != "" {
		b.set("OCF_RESOURCE_PROVIDER", req.Provider)
	}
	// Sorted so runs are reproducible (and testable).
	for _, k := range sortedMapKeys(req.Params) {
		if !validEnvName(k) {
			continue
		}
		v := req.Params[k]
		b.set("OCF_RESKEY_"+k, v)
		if k == "OCF_CHECK_LEVEL" {
			b.set("OCF_CHECK_LEVEL", v)
		}
	}
	if req.CheckLevel != "" {
		b.set("OCF_CHECK_LEVEL", req.CheckLevel)
	}
	// The executor's feature set wins over one passed as a parameter.
	b.set("OCF_RESKEY_crm_feature_set", e.opts.FeatureSet)
	meta := map[string]string{}
	for k, v := range req.Meta {
		meta[k] = v
	}
	meta["timeout"] = strconv.FormatUint(timeoutMS, 10)
	if req.IntervalMS > 0 {
		meta["interval"] = strconv.FormatUint(req.IntervalMS, 10)
	}
	for _, k := range sortedMapKeys(meta) {
		if !validEnvName(k) {
			continue
		}
		b.set(metaEnvName(k), meta[k])
	}
	return b.list()
}

// agentPath is the PATH agents run with: Pacer's tools first, then the
// executor's own PATH, then the system directories agents expect (a daemon
// started without sbin directories on PATH would break most agents).
func agentPath(toolDir string) string {
	var dirs []string
	seen := map[string]bool{}
	add := func(d string) {
		if d != "" && !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	add(toolDir)
	for _, d := range strings.Split(os.Getenv("PATH"), ":") {
		add(d)
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		add(d)
	}
	return strings.Join(dirs, ":")
}

func sortedMapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
