package lrmd

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Metadata is an agent's parsed OCF meta-data.
type Metadata struct {
	Name         string // resource-agent name attribute
	AgentVersion string // resource-agent version attribute
	OCFVersion   string // <version> element: the OCF API version it follows
	ShortDesc    string
	LongDesc     string
	Parameters   []Parameter
	Actions      []Action
	// Raw is the XML exactly as the agent printed it.
	Raw []byte
}

// Parameter is one <parameter> of the meta-data.
type Parameter struct {
	Name        string
	Required    bool
	Unique      bool
	UniqueGroup string
	Reloadable  bool
	Private     bool // private="1": left out of op-secure-digest
	Deprecated  bool
	Type        string // content type: string, integer, boolean, ...
	Default     string
	HasDefault  bool
	ShortDesc   string
	LongDesc    string
}

// Action is one <action> of the meta-data.
type Action struct {
	Name       string
	TimeoutMS  uint64
	IntervalMS uint64
	StartDelay uint64
	Depth      string
	Role       string
}

func boolAttr(e *etree.Element, name string) bool {
	switch strings.ToLower(strings.TrimSpace(e.SelectAttrValue(name, ""))) {
	case "1", "true", "yes", "on", "y":
		return true
	}
	return false
}

func desc(e *etree.Element, tag string) string {
	// Prefer English, as Pacemaker's tools do.
	var first string
	for _, d := range e.SelectElements(tag) {
		if lang := d.SelectAttrValue("lang", "en"); lang == "en" {
			return strings.TrimSpace(d.Text())
		}
		if first == "" {
			first = strings.TrimSpace(d.Text())
		}
	}
	return first
}

// ParseMetadata parses OCF resource agent meta-data XML.
func ParseMetadata(data []byte) (*Metadata, error) {
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = true
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("parsing agent meta-data: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "resource-agent" {
		return nil, fmt.Errorf("agent meta-data has no resource-agent element")
	}
	md := &Metadata{
		Name:         root.SelectAttrValue("name", ""),
		AgentVersion: root.SelectAttrValue("version", ""),
		ShortDesc:    desc(root, "shortdesc"),
		LongDesc:     desc(root, "longdesc"),
		Raw:          bytes.Clone(data),
	}
	if v := root.SelectElement("version"); v != nil {
		md.OCFVersion = strings.TrimSpace(v.Text())
	}
	if ps := root.SelectElement("parameters"); ps != nil {
		for _, p := range ps.SelectElements("parameter") {
			prm := Parameter{
				Name:        p.SelectAttrValue("name", ""),
				Required:    boolAttr(p, "required"),
				Unique:      boolAttr(p, "unique"),
				UniqueGroup: p.SelectAttrValue("unique-group", ""),
				Reloadable:  boolAttr(p, "reloadable"),
				Private:     boolAttr(p, "private"),
				Deprecated:  p.SelectElement("deprecated") != nil || boolAttr(p, "deprecated"),
				ShortDesc:   desc(p, "shortdesc"),
				LongDesc:    desc(p, "longdesc"),
			}
			if prm.Name == "" {
				continue
			}
			if c := p.SelectElement("content"); c != nil {
				prm.Type = c.SelectAttrValue("type", "")
				if a := c.SelectAttr("default"); a != nil {
					prm.Default, prm.HasDefault = a.Value, true
				}
			}
			md.Parameters = append(md.Parameters, prm)
		}
	}
	if as := root.SelectElement("actions"); as != nil {
		for _, a := range as.SelectElements("action") {
			act := Action{
				Name:  a.SelectAttrValue("name", ""),
				Depth: a.SelectAttrValue("depth", ""),
				Role:  a.SelectAttrValue("role", ""),
			}
			if act.Name == "" {
				continue
			}
			act.TimeoutMS, _ = ParseDuration(a.SelectAttrValue("timeout", ""))
			act.IntervalMS, _ = ParseDuration(a.SelectAttrValue("interval", ""))
			act.StartDelay, _ = ParseDuration(a.SelectAttrValue("start-delay", ""))
			md.Actions = append(md.Actions, act)
		}
	}
	return md, nil
}

// HasAction reports whether the agent advertises an action.
func (m *Metadata) HasAction(name string) bool {
	for _, a := range m.Actions {
		if a.Name == name {
			return true
		}
	}
	return false
}

// ActionTimeout is the advertised default timeout of an action (0 if none).
// For monitor, an entry with the given interval is preferred.
func (m *Metadata) ActionTimeout(name string, intervalMS uint64) uint64 {
	var fallback uint64
	for _, a := range m.Actions {
		if a.Name != name {
			continue
		}
		if a.IntervalMS == intervalMS {
			return a.TimeoutMS
		}
		if fallback == 0 {
			fallback = a.TimeoutMS
		}
	}
	return fallback
}

// Defaults returns the parameters that have a default value.
func (m *Metadata) Defaults() map[string]string {
	out := map[string]string{}
	for _, p := range m.Parameters {
		if p.HasDefault {
			out[p.Name] = p.Default
		}
	}
	return out
}

// RestartParams is the op-force-restart list: parameters whose change needs
// a restart rather than a reload. Nil when the agent cannot reload at all.
// With reload-agent (OCF 1.1) every parameter not marked reloadable;
// with only the legacy reload action, the unique parameters.
func (m *Metadata) RestartParams() []string {
	var out []string
	switch {
	case m.HasAction("reload-agent"):
		out = []string{}
		for _, p := range m.Parameters {
			if !p.Reloadable {
				out = append(out, p.Name)
			}
		}
	case m.HasAction("reload"):
		out = []string{}
		for _, p := range m.Parameters {
			if p.Unique {
				out = append(out, p.Name)
			}
		}
	}
	return out
}

// SecureParams is the op-secure-params list: parameters marked private.
// Nil when there are none (Pacemaker records no secure digest then).
func (m *Metadata) SecureParams() []string {
	var out []string
	for _, p := range m.Parameters {
		if p.Private {
			out = append(out, p.Name)
		}
	}
	return out
}

// Validate checks params against the meta-data: every required parameter
// must be set. It returns one message per problem.
func (m *Metadata) Validate(params map[string]string) []string {
	var probs []string
	for _, p := range m.Parameters {
		if _, ok := params[p.Name]; p.Required && !ok {
			probs = append(probs, fmt.Sprintf("required parameter %q is not set", p.Name))
		}
	}
	return probs
}

var durationRE = regexp.MustCompile(`^\s*([0-9]+)\s*([a-zA-Z]*)\s*$`)

// ParseDuration parses a Pacemaker interval or timeout ("20s", "1m",
// "500ms", a bare number of seconds, or ISO 8601 "PT1M30S") into
// milliseconds.
func ParseDuration(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if strings.HasPrefix(s, "P") || strings.HasPrefix(s, "p") {
		return parseISODuration(s)
	}
	m := durationRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: %w", s, err)
	}
	var mult float64
	switch strings.ToLower(m[2]) {
	case "", "s", "sec":
		mult = 1000
	case "ms", "msec":
		mult = 1
	case "us", "usec":
		mult = 0.001
	case "m", "min":
		mult = 60000
	case "h", "hr":
		mult = 3600000
	default:
		return 0, fmt.Errorf("invalid duration unit in %q", s)
	}
	return uint64(float64(n) * mult), nil
}

var isoRE = regexp.MustCompile(`^[Pp](?:(\d+)[Dd])?(?:[Tt](?:(\d+)[Hh])?(?:(\d+)[Mm])?(?:(\d+)[Ss])?)?$`)

func parseISODuration(s string) (uint64, error) {
	m := isoRE.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.EqualFold(s, "PT") {
		return 0, fmt.Errorf("invalid ISO 8601 duration %q", s)
	}
	var total uint64
	for i, mult := range []uint64{86400000, 3600000, 60000, 1000} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseUint(m[i+1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid ISO 8601 duration %q: %w", s, err)
		}
		total += n * mult
	}
	return total, nil
}
