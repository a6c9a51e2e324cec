package verify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
)

// Severity of a finding: Error makes crm_verify say the configuration is not valid;
// Warning that it may not be.
type Severity int

const (
	// Notice is logged as a warning but, as in Pacemaker, does not make the
	// configuration count as possibly invalid.
	Notice Severity = iota
	// Warning is a problem the administrator may decide to leave.
	Warning
	// Error must be fixed before the cluster works properly.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Finding is one problem.
type Finding struct {
	Severity Severity
	// Origin names the Pacemaker function that logs the same message, so the line
	// reads as Pacemaker's "(origin) \tseverity: message".
	Origin  string
	Message string
}

// String formats the finding the way Pacemaker's crm_verify -V prints it.
func (f Finding) String() string {
	return fmt.Sprintf("(%s) \t%s: %s", f.Origin, f.Severity, f.Message)
}

// IsTrue is Pacemaker's boolean: true, on, yes, y, 1 (any case).
func IsTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

// clusterOption returns the value of a cluster property (the first
// cluster_property_set nvpair with that name), or def.
func clusterOption(c *cib.CIB, name, def string) string {
	cfg := c.Section("crm_config")
	if cfg == nil {
		return def
	}
	for _, set := range cfg.SelectElements("cluster_property_set") {
		for _, nv := range set.SelectElements("nvpair") {
			if nv.SelectAttrValue("name", "") == name {
				return nv.SelectAttrValue("value", def)
			}
		}
	}
	return def
}

// metaValue returns a meta attribute of a resource element, or def.
func metaValue(e *etree.Element, name, def string) string {
	for _, m := range e.SelectElements("meta_attributes") {
		for _, nv := range m.SelectElements("nvpair") {
			if nv.SelectAttrValue("name", "") == name {
				return nv.SelectAttrValue("value", def)
			}
		}
	}
	return def
}

// ParseInterval converts an operation interval to milliseconds: a number with an
// optional unit (ms, s, m, min, h, ...; no unit means seconds) or an ISO 8601
// duration (P...).
func ParseInterval(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if s[0] == 'P' || s[0] == 'p' {
		return parseISODuration(s[1:])
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	unit := strings.ToLower(strings.TrimSpace(s[i:]))
	switch unit {
	case "", "s", "sec", "secs", "second", "seconds":
		return n * 1000, true
	case "ms", "msec", "msecs":
		return n, true
	case "us", "usec", "usecs":
		return n / 1000, true
	case "m", "min", "mins", "minute", "minutes":
		return n * 60000, true
	case "h", "hr", "hrs", "hour", "hours":
		return n * 3600000, true
	}
	return 0, false
}

func parseISODuration(s string) (int64, bool) {
	var total int64
	timePart := false
	num := ""
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
			continue
		case r == 'T':
			timePart = true
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, false
		}
		num = ""
		switch r {
		case 'Y':
			total += n * 365 * 86400000
		case 'W':
			total += n * 7 * 86400000
		case 'D':
			total += n * 86400000
		case 'H':
			total += n * 3600000
		case 'M':
			if timePart {
				total += n * 60000
			} else {
				total += n * 30 * 86400000
			}
		case 'S':
			total += n * 1000
		default:
			return 0, false
		}
	}
	return total, num == ""
}

// Check returns the configuration-only findings, in document order within each check.
func Check(c *cib.CIB) []Finding {
	var out []Finding
	res := c.Section("resources")
	if res == nil {
		return nil
	}
	fencing := IsTrue(clusterOption(c, "stonith-enabled", "true"))
	// With a watchdog (SBD) the cluster can fence without any fencing device.
	if fencing && !hasStonith(res) &&
		!IsTrue(clusterOption(c, "have-watchdog", "false")) {
		for _, m := range []string{
			"Resource start-up disabled since no STONITH resources have been defined",
			"Either configure some or disable STONITH with the stonith-enabled option",
			"NOTE: Clusters with shared data need STONITH to ensure data integrity",
		} {
			out = append(out, Finding{Error, "unpack_resources", m})
		}
	}
	if !fencing || !IsTrue(clusterOption(c, "startup-fencing", "true")) {
		out = append(out, Finding{Notice, "unpack_config", "Blind faith: not fencing unseen nodes"})
	}
	if clusterOption(c, "stonith-action", "") == "poweroff" {
		out = append(out, Finding{Warning, "unpack_config", "Support for stonith-action of 'poweroff' is deprecated and will be removed in a future release (use 'off' instead)"})
	}
	out = append(out, malformedNodeStates(c)...)
	// Pacemaker warns about restart-type once per run, whichever resource has it.
	if len(res.FindElements(".//meta_attributes/nvpair[@name='restart-type']")) > 0 {
		out = append(out, Finding{Warning, "pe__unpack_resource", "Support for restart-type is deprecated and will be removed in a future release"})
	}
	for _, p := range primitives(res) {
		out = append(out, duplicateOps(c, p)...)
		out = append(out, stopOnFail(c, p)...)
	}
	for _, g := range res.FindElements(".//group") {
		v := metaValue(g, "ordered", "")
		if p := g.Parent(); v == "" && p != nil && (p.Tag == "clone" || p.Tag == "master") {
			v = metaValue(p, "ordered", "") // a group inherits its clone's meta-attributes
		}
		if v != "" && !IsTrue(v) {
			out = append(out, Finding{Warning, "set_group_flag", "Support for the 'ordered' group meta-attribute is deprecated and will be removed in a future release (use a resource set instead)"})
		}
	}
	if cons := c.Section("constraints"); cons != nil {
		for _, o := range cons.SelectElements("rsc_order") {
			ra := o.SelectAttr("require-all")
			if ra == nil || IsTrue(ra.Value) {
				continue
			}
			if first := findResource(res, o.SelectAttrValue("first", "")); first != nil && (first.Tag == "clone" || first.Tag == "master") {
				out = append(out, Finding{Warning, "get_minimum_first_instances", "Support for require-all in ordering constraints is deprecated and will be removed in a future release (use clone-min clone meta-attribute instead)"})
			}
		}
		for _, co := range cons.SelectElements("rsc_colocation") {
			if isTemplateOrTag(c, co.SelectAttrValue("rsc", "")) && isTemplateOrTag(c, co.SelectAttrValue("with-rsc", "")) {
				out = append(out, Finding{Error, "unpack_colocation_tags", fmt.Sprintf(
					"Ignoring constraint '%s' because two templates or tags cannot be colocated", co.SelectAttrValue("id", ""))})
			}
		}
	}
	return out
}

// findResource finds a resource element (any kind) by id.
func findResource(res *etree.Element, id string) *etree.Element {
	if id == "" {
		return nil
	}
	for _, e := range res.FindElements(".//*[@id='" + strings.ReplaceAll(id, "'", "") + "']") {
		switch e.Tag {
		case "primitive", "group", "clone", "master", "bundle":
			return e
		}
	}
	return nil
}

func hasStonith(res *etree.Element) bool {
	for _, p := range res.FindElements(".//primitive") {
		if p.SelectAttrValue("class", "") == "stonith" {
			return true
		}
	}
	for _, t := range res.FindElements(".//template") {
		if t.SelectAttrValue("class", "") == "stonith" {
			return true
		}
	}
	return false
}

func primitives(res *etree.Element) []*etree.Element {
	return res.FindElements(".//primitive")
}

// duplicateOps reports operations repeating an earlier one's name and interval.
// Pacemaker logs each such message every time its scheduler looks the operation up:
// once per operation sharing the name and interval, per instance, and twice per
// instance of a promotable clone (once for each role's monitors); the messages are
// repeated the same number of times here so that crm_verify -V reads the same.
func duplicateOps(c *cib.CIB, p *etree.Element) []Finding {
	var out []Finding
	type key struct {
		name string
		ms   int64
	}
	seen := map[key]string{}
	count := map[key]int{}
	type dup struct {
		k      key
		id, of string
	}
	var dups []dup
	for _, ops := range p.SelectElements("operations") {
		for _, op := range ops.SelectElements("op") {
			ms, ok := ParseInterval(op.SelectAttrValue("interval", "0"))
			if !ok || ms == 0 {
				continue // only recurring operations must be unique
			}
			k := key{op.SelectAttrValue("name", ""), ms}
			count[k]++
			id := op.SelectAttrValue("id", "")
			if first, isDup := seen[k]; isDup {
				dups = append(dups, dup{k, id, first})
				continue
			}
			seen[k] = id
		}
	}
	passes := len(instanceNames(c, p))
	if promotableAncestor(p) {
		passes *= 2
	}
	for _, d := range dups {
		msg := fmt.Sprintf("Operation %s is duplicate of %s (do not use same name and interval combination more than once per resource)", d.id, d.of)
		for i := 0; i < count[d.k]*passes; i++ {
			out = append(out, Finding{Error, "is_op_dup", msg})
		}
	}
	return out
}

// promotableAncestor reports whether p is inside a promotable clone.
func promotableAncestor(p *etree.Element) bool {
	for a := p.Parent(); a != nil; a = a.Parent() {
		if a.Tag == "master" || (a.Tag == "clone" && IsTrue(metaValue(a, "promotable", "false"))) {
			return true
		}
	}
	return false
}

// stopOnFail reports on-fail=stop on a stop operation, per instance for clones.
func stopOnFail(c *cib.CIB, p *etree.Element) []Finding {
	var out []Finding
	for _, ops := range p.SelectElements("operations") {
		for _, op := range ops.SelectElements("op") {
			if op.SelectAttrValue("name", "") != "stop" || op.SelectAttrValue("on-fail", "") != "stop" {
				continue
			}
			for _, name := range instanceNames(c, p) {
				out = append(out, Finding{Error, "unpack_operation_on_fail", fmt.Sprintf(
					"Resetting 'on-fail' for %s stop action to default value because 'stop' is not allowed for stop", name)})
			}
		}
	}
	return out
}

// instanceNames is the resource's id, or id:0 .. id:N-1 when it is (inside) a clone,
// N being clone-max or else the number of configured nodes.
func instanceNames(c *cib.CIB, p *etree.Element) []string {
	id := p.SelectAttrValue("id", "")
	for a := p.Parent(); a != nil; a = a.Parent() {
		if a.Tag != "clone" && a.Tag != "master" {
			continue
		}
		n := 0
		if nodes := c.Section("nodes"); nodes != nil {
			n = len(nodes.SelectElements("node"))
		}
		if v, err := strconv.Atoi(metaValue(a, "clone-max", "")); err == nil {
			n = v
		}
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("%s:%d", id, i)
		}
		return names
	}
	return []string{id}
}

// isTemplateOrTag reports whether id names an rsc_template or a tag.
func isTemplateOrTag(c *cib.CIB, id string) bool {
	if id == "" {
		return false
	}
	if res := c.Section("resources"); res != nil {
		for _, t := range res.SelectElements("template") {
			if t.SelectAttrValue("id", "") == id {
				return true
			}
		}
	}
	if tags := c.Section("tags"); tags != nil {
		for _, t := range tags.SelectElements("tag") {
			if t.SelectAttrValue("id", "") == id {
				return true
			}
		}
	}
	return false
}

// malformedNodeStates reports status entries the scheduler ignores for lack of an
// id or a node name.
func malformedNodeStates(c *cib.CIB) []Finding {
	root := c.Root()
	if root == nil {
		return nil
	}
	st := root.SelectElement("status")
	if st == nil {
		return nil
	}
	var out []Finding
	for _, ns := range st.SelectElements("node_state") {
		switch {
		case ns.SelectAttr("id") == nil:
			out = append(out, Finding{Warning, "unpack_node_state", "Ignoring malformed node_state entry without id"})
		case ns.SelectAttr("uname") == nil:
			out = append(out, Finding{Warning, "unpack_node_state", "Ignoring malformed node_state entry without uname"})
		}
	}
	return out
}
