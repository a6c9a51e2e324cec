package resourcecmd

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
)

// PlacementRequest is a --move, --ban or --clear.
type PlacementRequest struct {
	Tool     string
	Resource string
	Node     string // -N; "" when not given
	Lifetime string // ISO 8601 duration; "" for none
	Promoted bool
	Force    bool
	Quiet    bool
	Now      time.Time
}

// PreferID and BanID are the ids of the constraints crm_resource writes.
func PreferID(rsc string) string    { return "cli-prefer-" + rsc }
func BanID(rsc, node string) string { return "cli-ban-" + rsc + "-on-" + node }

var isoDuration = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// durationParts splits an ISO 8601 duration into years, months, weeks,
// days, hours, minutes and seconds.
func durationParts(s string) ([7]int64, bool) {
	var parts [7]int64
	s = strings.TrimSpace(s)
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		return parts, false
	}
	for i := range parts {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil {
			return parts, false
		}
		parts[i] = n
	}
	return parts, true
}

// ParseDuration parses an ISO 8601 duration (PnYnMnDTnHnMnS, PnW) as a
// fixed length (a month is 30 days, a year 365), as Pacemaker's interval
// parsing does.
func ParseDuration(s string) (time.Duration, bool) {
	p, ok := durationParts(s)
	if !ok {
		return 0, false
	}
	units := []time.Duration{365 * 24 * time.Hour, 30 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, u := range units {
		d += time.Duration(p[i]) * u
	}
	return d, true
}

// AddDuration adds an ISO 8601 duration to t on the calendar (years and
// months move the date, as Pacemaker's date arithmetic does).
func AddDuration(t time.Time, s string) (time.Time, bool) {
	p, ok := durationParts(s)
	if !ok {
		return t, false
	}
	t = t.AddDate(int(p[0]), int(p[1]), int(p[2]*7+p[3]))
	return t.Add(time.Duration(p[4])*time.Hour + time.Duration(p[5])*time.Minute + time.Duration(p[6])*time.Second), true
}

// lifetimeEnd returns the end of a --lifetime as Pacemaker writes it, or "".
func (p *PlacementRequest) lifetimeEnd(stdout, stderr io.Writer) (string, error) {
	if p.Lifetime == "" {
		return "", nil
	}
	endTime, ok := AddDuration(p.Now.UTC(), p.Lifetime)
	if !ok {
		fmt.Fprintf(stderr, "Invalid duration specified: %s\n", p.Lifetime)
		fmt.Fprintln(stderr, "Please refer to https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations")
		return "", Fail(crmexit.Usage)
	}
	end := endTime.Format("2006-01-02 15:04:05Z")
	if !p.Quiet {
		fmt.Fprintf(stdout, "Migration will take effect until: %s\n", end)
	}
	return end, nil
}

func (p *PlacementRequest) role(stdout io.Writer, r *cluster.Resource) string {
	if !p.Promoted {
		return "Started"
	}
	if !IsPromotable(r) {
		fmt.Fprintf(stdout, "Ignoring --promoted option: %s is not promotable\n", p.Resource)
		return "Started"
	}
	return "Promoted"
}

// locationConstraint builds cli-prefer / cli-ban: a plain node score, or a
// rule with a date expression when it has a lifetime.
func locationConstraint(id, ruleID, exprID, lifeID, rsc, role, node, score, end string) *etree.Element {
	x := etree.NewElement("rsc_location")
	x.CreateAttr("id", id)
	x.CreateAttr("rsc", rsc)
	x.CreateAttr("role", role)
	if end == "" {
		x.CreateAttr("node", node)
		x.CreateAttr("score", score)
		return x
	}
	rule := x.CreateElement("rule")
	rule.CreateAttr("id", ruleID)
	rule.CreateAttr("score", score)
	rule.CreateAttr("boolean-op", "and")
	e := rule.CreateElement("expression")
	e.CreateAttr("id", exprID)
	e.CreateAttr("attribute", "#uname")
	e.CreateAttr("operation", "eq")
	e.CreateAttr("value", node)
	e.CreateAttr("type", "string")
	d := rule.CreateElement("date_expression")
	d.CreateAttr("id", lifeID)
	d.CreateAttr("operation", "lt")
	d.CreateAttr("end", end)
	return x
}

// constraintByID is the rsc_location with id in the constraints section.
func constraintByID(c *cib.CIB, id string) *etree.Element {
	cons := c.Section("constraints")
	if cons == nil {
		return nil
	}
	for _, e := range cons.SelectElements("rsc_location") {
		if e.SelectAttrValue("id", "") == id {
			return e
		}
	}
	return nil
}

// deleteConstraint removes the rsc_location id if present, reporting whether
// it did.
func deleteConstraint(c *cib.CIB, id string) (bool, error) {
	if constraintByID(c, id) == nil {
		return false, nil
	}
	x := etree.NewElement("rsc_location")
	x.CreateAttr("id", id)
	if err := c.Delete("constraints", x); err != nil {
		return false, fmt.Errorf("delete constraint %s: %w", id, err)
	}
	return true, nil
}

func putConstraint(c *cib.CIB, x *etree.Element) error {
	if c.Section("constraints") == nil {
		if err := c.Create("configuration", etree.NewElement("constraints")); err != nil {
			return fmt.Errorf("create constraints section: %w", err)
		}
	}
	id := x.SelectAttrValue("id", "")
	if _, err := deleteConstraint(c, id); err != nil {
		return err
	}
	if err := c.Create("constraints", x); err != nil {
		return fmt.Errorf("create constraint %s: %w", id, err)
	}
	return nil
}

// lookup resolves the resource and node of a request, printing Pacemaker's
// errors.
func (p *PlacementRequest) lookup(stderr io.Writer, cl *cluster.Cluster) (*cluster.Resource, []*cluster.Resource, error) {
	r, prims := Find(cl, p.Resource)
	if r == nil {
		return nil, nil, Failf(stderr, p.Tool, crmexit.NoSuch, "Resource '%s' not found", p.Resource)
	}
	if p.Node != "" && cl.NodeByName[p.Node] == nil {
		return nil, nil, Failf(stderr, p.Tool, crmexit.NoSuch, "Node '%s' not found", p.Node)
	}
	return r, prims, nil
}

// ban writes cli-ban-RSC-on-NODE with Pacemaker's warning.
func (p *PlacementRequest) ban(c *cib.CIB, stdout io.Writer, role, node, end string) error {
	id := BanID(p.Resource, node)
	x := locationConstraint(id, id+"-rule", id+"-expr", id+"-lifetime", p.Resource, role, node, "-INFINITY", end)
	if err := putConstraint(c, x); err != nil {
		return err
	}
	if !p.Quiet {
		fmt.Fprintf(stdout, "WARNING: Creating rsc_location constraint '%s' with a score of -INFINITY for resource %s on %s.\n", id, p.Resource, node)
		what := "running"
		if role == "Promoted" {
			what = "being promoted"
		}
		fmt.Fprintf(stdout, "\tThis will prevent %s from %s on %s until the constraint is removed using the clear option or by editing the CIB with an appropriate tool\n", p.Resource, what, node)
		fmt.Fprintf(stdout, "\tThis will be the case even if %s is the last node in the cluster\n", node)
	}
	return nil
}

// notMoved is the error for a --move/--ban without a node on a resource
// that is not active in exactly one place.
func (p *PlacementRequest) notMoved(stderr io.Writer, promotable bool, active, promoted int) error {
	if promotable {
		fmt.Fprintf(stderr, "%s: Resource '%s' not moved: active in %d locations (promoted in %d).\n", p.Tool, p.Resource, active, promoted)
		fmt.Fprintf(stderr, "To prevent '%s' from running on a specific location, specify a node.", p.Resource)
		fmt.Fprintf(stderr, "To prevent '%s' from being promoted at a specific location, specify a node and the --promoted option.\n", p.Resource)
		return Fail(crmexit.Usage)
	}
	fmt.Fprintf(stderr, "%s: Resource '%s' not moved: active in %d locations.\n", p.Tool, p.Resource, active)
	fmt.Fprintf(stderr, "To prevent '%s' from running on a specific location, specify a node.\n", p.Resource)
	return Fail(crmexit.Usage)
}

// Ban implements --ban: without -N the single node the resource is active
// on (its promoted node with --promoted).
func (p *PlacementRequest) Ban(c *cib.CIB, cl *cluster.Cluster, stdout, stderr io.Writer) error {
	r, prims, err := p.lookup(stderr, cl)
	if err != nil {
		return err
	}
	node := p.Node
	if node == "" {
		active, promoted := ActiveNodes(prims)
		if p.Promoted && IsPromotable(r) {
			var pn []*cluster.Node
			for _, q := range prims {
				if q.Role == cluster.RolePromoted {
					pn = append(pn, q.RunningOn...)
				}
			}
			if len(pn) != 1 {
				return p.notMoved(stderr, IsPromotable(r), len(active), promoted)
			}
			node = pn[0].Name
		} else {
			if len(active) != 1 {
				return p.notMoved(stderr, IsPromotable(r), len(active), promoted)
			}
			node = active[0].Name
		}
	}
	end, err := p.lifetimeEnd(stdout, stderr)
	if err != nil {
		return err
	}
	role := "Started"
	if p.Promoted {
		role = "Promoted"
	}
	return p.ban(c, stdout, role, node, end)
}

// Move implements --move: with -N a cli-prefer constraint for that node
// (replacing an earlier one and lifting a ban there; with --force the node
// it is on now is banned too); without -N a ban of its current node.
func (p *PlacementRequest) Move(c *cib.CIB, cl *cluster.Cluster, stdout, stderr io.Writer) error {
	if p.Node == "" {
		return p.Ban(c, cl, stdout, stderr)
	}
	r, prims, err := p.lookup(stderr, cl)
	if err != nil {
		return err
	}
	active, _ := ActiveNodes(prims)
	if r.Kind != cluster.Clone && len(active) > 1 {
		fmt.Fprintf(stderr, "%s: Error performing operation: %s\n", p.Tool, crmexit.Multiple)
		return Fail(crmexit.Multiple)
	}
	if r.Kind != cluster.Clone {
		for _, n := range active {
			if n.Name == p.Node {
				fmt.Fprintf(stderr, "%s: Error performing operation: %s\n", p.Tool, crmexit.Exists)
				return Fail(crmexit.Exists)
			}
		}
	}
	role := p.role(stdout, r)
	end, err := p.lifetimeEnd(stdout, stderr)
	if err != nil {
		return err
	}
	if _, err := deleteConstraint(c, PreferID(p.Resource)); err != nil {
		return err
	}
	if _, err := deleteConstraint(c, BanID(p.Resource, p.Node)); err != nil {
		return err
	}
	id := PreferID(p.Resource)
	x := locationConstraint(id, "cli-prefer-rule-"+p.Resource, "cli-prefer-expr-"+p.Resource,
		"cli-prefer-lifetime-end-"+p.Resource, p.Resource, role, p.Node, "INFINITY", end)
	if err := putConstraint(c, x); err != nil {
		return err
	}
	if p.Force && len(active) == 1 && r.Kind != cluster.Clone {
		return p.ban(c, stdout, role, active[0].Name, end)
	}
	return nil
}

// constraintNode is the node a cli constraint names (its node attribute, or
// its rule's #uname expression).
func constraintNode(e *etree.Element) string {
	if n := e.SelectAttrValue("node", ""); n != "" {
		return n
	}
	for _, ex := range e.FindElements("./rule/expression") {
		if ex.SelectAttrValue("attribute", "") == "#uname" {
			return ex.SelectAttrValue("value", "")
		}
	}
	return ""
}

// Clear implements --clear: it removes the resource's cli-ban constraints
// (only the one for -N when given) and its cli-prefer constraint (with -N
// only if it names that node), printing each removal.
func (p *PlacementRequest) Clear(c *cib.CIB, cl *cluster.Cluster, stdout, stderr io.Writer) error {
	if _, _, err := p.lookup(stderr, cl); err != nil {
		return err
	}
	var ids []string
	if p.Node != "" {
		ids = append(ids, BanID(p.Resource, p.Node))
		if e := constraintByID(c, PreferID(p.Resource)); e != nil && constraintNode(e) == p.Node {
			ids = append(ids, PreferID(p.Resource))
		}
	} else {
		for _, n := range cl.Nodes {
			ids = append(ids, BanID(p.Resource, n.Name))
		}
		ids = append(ids, PreferID(p.Resource))
	}
	for _, id := range ids {
		removed, err := deleteConstraint(c, id)
		if err != nil {
			return err
		}
		if removed && !p.Quiet {
			fmt.Fprintf(stdout, "Removing constraint: %s\n", id)
		}
	}
	return nil
}
