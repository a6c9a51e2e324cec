package crmmon

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/pacer-ha/pacer/cluster"
)

// HTMLOptions are crm_mon's --html-* flags.
type HTMLOptions struct {
	Title      string // --html-title; "Cluster Status" when empty
	Stylesheet string // --html-stylesheet: a link to an external stylesheet
	CGI        bool   // --html-cgi: a CGI header first
}

// htmlStyle is the stylesheet crm_mon embeds in every page.
const htmlStyle = `.bold { font-weight: bold }
.online { color: green }
.offline { color: red }
.maint { color: blue }
.standby { color: blue }
.health_red { color: red }
.health_yellow { color: GoldenRod }
.rsc-failed { color: red }
.rsc-failure-ignored { color: DarkGreen }
.rsc-managed { color: blue }
.rsc-multiple { color: orange }
.rsc-ok { color: green }
.warning { color: red; font-weight: bold }`

// hnode is an HTML element, or a text node when tag is "".
type hnode struct {
	tag   string
	attrs [][2]string
	text  string
	kids  []*hnode
}

func el(tag string, kids ...*hnode) *hnode { return &hnode{tag: tag, kids: kids} }

func txt(s string) *hnode { return &hnode{text: s} }

// span is <span>text</span>, with a class unless class is "".
func span(class, text string) *hnode {
	s := el("span", txt(text))
	if class != "" {
		s.attrs = [][2]string{{"class", class}}
	}
	return s
}

func (n *hnode) add(kids ...*hnode) *hnode {
	n.kids = append(n.kids, kids...)
	return n
}

// inlineTags are laid out within a line; emptyTags have no end tag.
var (
	inlineTags = map[string]bool{"span": true, "a": true, "b": true, "i": true, "em": true, "strong": true}
	emptyTags  = map[string]bool{"meta": true, "link": true, "br": true}
)

// write serialises n the way crm_mon's pages are laid out (libxml2's HTML
// writer with formatting): a block element with several children, the first
// and last of which are elements, puts its children on their own lines;
// inline elements and single children stay on the line.
func (n *hnode) write(w *bufio.Writer, raw bool) {
	if n.tag == "" {
		if raw {
			w.WriteString(n.text)
		} else {
			w.WriteString(htmlEscape(n.text, false))
		}
		return
	}
	w.WriteString("<" + n.tag)
	for _, a := range n.attrs {
		v := a[1]
		if a[0] == "href" {
			v = uriEscape(v)
		}
		w.WriteString(" " + a[0] + "=\"" + htmlEscape(v, true) + "\"")
	}
	w.WriteString(">")
	if emptyTags[n.tag] {
		return
	}
	block := !inlineTags[n.tag] && n.tag[0] != 'p'
	multi := len(n.kids) > 1
	if block && multi && n.kids[0].tag != "" {
		w.WriteByte('\n')
	}
	for i, k := range n.kids {
		k.write(w, n.tag == "style" || n.tag == "script")
		if k.tag != "" && !inlineTags[k.tag] && i+1 < len(n.kids) && n.kids[i+1].tag != "" && n.tag[0] != 'p' {
			w.WriteByte('\n')
		}
	}
	if block && multi && n.kids[len(n.kids)-1].tag != "" {
		w.WriteByte('\n')
	}
	w.WriteString("</" + n.tag + ">")
}

// uriEscape percent-encodes what may not stand in a link, as libxml2's HTML
// writer does for href values.
func uriEscape(s string) string {
	const keep = "-_.!~*'()@/:=?;#%&,+<>"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func htmlEscape(s string, attr bool) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	if attr {
		r = strings.NewReplacer("&", "&amp;", "\"", "&quot;")
	}
	return r.Replace(s)
}

// RenderHTML writes crm_mon --output-as=html: the sections of the text
// output as lists, with the classes of crm_mon's stylesheet.
func RenderHTML(w io.Writer, c *cluster.Cluster, h Header, opts Options, ho HTMLOptions) error {
	bw := bufio.NewWriter(w)
	if ho.CGI {
		bw.WriteString("Content-Type: text/html\n\n")
	}
	title := ho.Title
	if title == "" {
		title = "Cluster Status"
	}
	head := el("head", el("title", txt(title)), &hnode{tag: "meta", attrs: [][2]string{{"charset", "utf-8"}}})
	head.add(el("style", txt(htmlStyle)))
	if ho.Stylesheet != "" {
		// After the built-in style, so that it overrides it.
		head.add(&hnode{tag: "link", attrs: [][2]string{{"rel", "stylesheet"}, {"href", ho.Stylesheet}}})
	}
	body := el("body")
	p := newPrinter(io.Discard, c, opts)
	if !opts.HideHeaders {
		body.add(el("h2", txt("Cluster Summary")), htmlSummary(c, h))
	}
	if opts.GroupByNode {
		// Not laid out for HTML yet: the text layout in a pre block keeps
		// the information.
		var b strings.Builder
		tp := newPrinter(&b, c, opts)
		tp.nodesWithResources()
		tp.w.Flush()
		body.add(el("pre", txt(b.String())))
	} else {
		body.add(el("h2", txt("Node List")), htmlNodes(p))
		label := "Active Resources"
		if opts.Inactive {
			label = "Full List of Resources"
		}
		body.add(el("h2", txt(label)), htmlResources(p))
	}
	for _, sec := range htmlTextSections(c, opts) {
		body.add(sec...)
	}
	if !opts.NoFailures {
		if fa := FailedActions(c); len(fa) > 0 {
			ul := el("ul")
			for _, f := range fa {
				ul.add(el("li", txt(FailedActionText(f.Op, f.Node.Name))))
			}
			body.add(el("h2", txt("Failed Resource Actions")), ul)
		}
	}
	bw.WriteString("<!DOCTYPE html>\n")
	doc := &hnode{tag: "html", attrs: [][2]string{{"lang", "en"}}, kids: []*hnode{head, body}}
	doc.write(bw, false)
	bw.WriteString("\n")
	return bw.Flush()
}

func boldItem(label string, value ...*hnode) *hnode {
	return el("li", append([]*hnode{span("bold", label)}, value...)...)
}

func htmlSummary(c *cluster.Cluster, h Header) *hnode {
	ul := el("ul")
	stack := h.Stack
	if stack == "" {
		stack = c.Properties.ClusterInfrastructure()
		if stack == "" {
			stack = "unknown"
		}
	}
	ul.add(boldItem("Stack: ", span("", stack)))
	if c.DC == nil {
		ul.add(boldItem("Current DC: ", span("warning", "NONE")))
	} else {
		v := c.Properties.DCVersion()
		if v == "" {
			v = "unknown"
		}
		q := span("", " with")
		if !c.HaveQuorum {
			q = span("warning", " WITHOUT")
		}
		ul.add(boldItem("Current DC: ", span("", fmt.Sprintf("%s (version %s) -", c.DC.Name, v)),
			span("", " partition"), q, span("", " quorum")))
	}
	ul.add(boldItem("Last updated: ", span("", ctime(h.Now))))
	ul.add(boldItem("Last change: ", span("", lastChange(c))))
	cnt := CountResources(c)
	ul.add(el("li", span("", plural(cnt.Nodes, "node configured", "nodes configured"))))
	res := plural(cnt.Instances, "resource instance configured", "resource instances configured")
	if cnt.Disabled == 0 && cnt.Blocked == 0 {
		ul.add(el("li", span("", res)))
	} else {
		li := el("li")
		sep := " ("
		if cnt.Disabled > 0 {
			li.add(span("", fmt.Sprintf("%s%s%d ", res, sep, cnt.Disabled)), span("bold", "DISABLED"))
			res, sep = "", ", "
		}
		if cnt.Blocked > 0 {
			li.add(span("", fmt.Sprintf("%s%s%d ", res, sep, cnt.Blocked)), span("bold", "BLOCKED"),
				span("", " from further action due to failure)"))
		} else {
			li.add(span("", ")"))
		}
		ul.add(li)
	}
	if c.Properties.MaintenanceMode() || c.Properties.StopAllResources() {
		what := "The cluster will not attempt to start, stop or recover services"
		if !c.Properties.MaintenanceMode() {
			what = "The cluster will keep all resources stopped"
		}
		ul.add(el("li", span("bold", "Resource management: "), span("warning", "DISABLED"), span("", " ("+what+")")))
	}
	return ul
}

// htmlNodes lists every node with its state (the HTML page does not fold
// nodes into Online/OFFLINE lists as the text does).
func htmlNodes(p *printer) *hnode {
	ul := el("ul")
	for _, n := range sortedNodes(p.c) {
		if n.Type == cluster.NodePing {
			continue
		}
		li := el("li", span("bold", n.Name+":"))
		// A node still joining (pending) shows as an online node in standby.
		online, standby := n.Online || n.Pending, n.Standby || n.Pending
		if online {
			li.add(span("online", " online"))
		} else {
			li.add(span("offline", " OFFLINE"))
		}
		switch {
		case standby && online && len(activeOn(n)) > 0:
			li.add(span("standby", " (in standby, with active resources)"))
		case standby:
			li.add(span("standby", " (in standby)"))
		case n.Maintenance:
			li.add(span("maint", " (in maintenance mode)"))
		}
		if n.Online {
			switch healthState(p.c, n) {
			case "RED":
				li.add(span("health_red", " (health is RED)"))
			case "YELLOW":
				li.add(span("health_yellow", " (health is YELLOW)"))
			}
		}
		ul.add(li)
	}
	return ul
}

// rscClass is the stylesheet class of a primitive's line.
func rscClass(r *cluster.Resource) string {
	switch {
	case !r.Managed:
		return "rsc-managed"
	case r.Failed, len(r.RunningOn) == 0 && r.PendingNode == nil:
		return "rsc-failed"
	case len(r.RunningOn) > 1:
		return "rsc-multiple"
	case r.FailureIgnored:
		return "rsc-failure-ignored"
	}
	return "rsc-ok"
}

// htmlResources turns the text printer's items into nested lists: an item
// followed by deeper ones is a heading (group, clone, bundle) of a sub-list.
func htmlResources(p *printer) *hnode {
	type item struct {
		depth int
		text  string
		r     *cluster.Resource
	}
	var items []item
	p.rec = func(depth int, text string, r *cluster.Resource) {
		items = append(items, item{depth, text, r})
	}
	p.resources(0)
	p.rec = nil
	var build func(i, depth int) (*hnode, int)
	build = func(i, depth int) (*hnode, int) {
		ul := el("ul")
		for i < len(items) && items[i].depth >= depth {
			it := items[i]
			i++
			switch {
			case i < len(items) && items[i].depth > it.depth:
				sub, next := build(i, it.depth+1)
				ul.add(el("li", el("h3", txt(strings.TrimSuffix(it.text, ":"))), sub))
				i = next
			case it.r != nil:
				ul.add(el("li", span(rscClass(it.r), it.text)))
			default:
				ul.add(el("li", txt(it.text)))
			}
		}
		return ul, i
	}
	ul, _ := build(0, 0)
	return ul
}

// htmlTextSections renders the optional sections (attributes, fail counts,
// operations) from their text layout, one list item per line.
func htmlTextSections(c *cluster.Cluster, opts Options) [][]*hnode {
	var out [][]*hnode
	section := func(fn func(p *printer)) {
		var b strings.Builder
		p := newPrinter(&b, c, opts)
		fn(p)
		p.w.Flush()
		text := strings.TrimLeft(b.String(), "\n")
		if text == "" {
			return
		}
		lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
		ul := el("ul")
		for _, l := range lines[1:] {
			ul.add(el("li", txt(strings.TrimLeft(strings.TrimSpace(l), "* "))))
		}
		out = append(out, []*hnode{el("h2", txt(strings.TrimSuffix(lines[0], ":"))), ul})
	}
	if opts.Attributes {
		section((*printer).nodeAttributes)
	}
	if opts.Operations {
		section((*printer).operations)
	} else if opts.FailCounts {
		section((*printer).migrationSummary)
	}
	return out
}
