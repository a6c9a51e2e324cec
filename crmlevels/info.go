package crmlevels

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Info writes crm ra info for spec ([class:[provider:]]type; ocf and the
// first provider having the agent when omitted) in crmsh's layout.
func Info(ctx context.Context, w io.Writer, ex Agents, spec string) error {
	class, provider, typ := "ocf", "", spec
	parts := strings.Split(spec, ":")
	switch len(parts) {
	case 2:
		class, typ = parts[0], parts[1]
	case 3:
		class, provider, typ = parts[0], parts[1], parts[2]
	}
	if class == "ocf" && provider == "" {
		for _, p := range ex.Providers() {
			list, _ := ex.Agents("ocf", p)
			for _, a := range list {
				if a == typ && provider == "" {
					provider = p
				}
			}
		}
	}
	name := class + ":" + typ
	if class == "ocf" {
		name = class + ":" + provider + ":" + typ
	}
	md, err := ex.Metadata(ctx, class, provider, typ)
	if err != nil {
		return fmt.Errorf("%s: got no meta-data, does this RA exist?: %w", spec, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n\n", md.ShortDesc, name)
	if md.LongDesc != "" {
		b.WriteString(lines(md.LongDesc, ""))
		b.WriteString("\n")
	}
	if len(md.Parameters) > 0 {
		b.WriteString("Parameters (*: required, []: default):\n\n")
		for _, p := range md.Parameters {
			req := ""
			if p.Required {
				req = "*"
			}
			typ := p.Type
			if p.HasDefault && p.Default != "" {
				typ += ", [" + p.Default + "]"
			}
			short := p.ShortDesc
			if short == p.LongDesc || short == p.Name {
				// crmsh leaves out a short description that only repeats.
				short = ""
			}
			fmt.Fprintf(&b, "%s%s (%s): %s\n", p.Name, req, typ, short)
			if p.LongDesc != "" {
				b.WriteString(lines(p.LongDesc, "    "))
			}
			b.WriteString("\n")
		}
	}
	acts := rawActions(md.Raw)
	if len(acts) > 0 {
		b.WriteString("Operations' defaults (advisory minimum):\n\n")
		for _, a := range acts {
			fmt.Fprintf(&b, "    %-13s %s\n", a[0], a[1])
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// rawActions lists the meta-data's actions but meta-data and validate-all:
// the name and the other attributes as written, in their order.
func rawActions(raw []byte) [][2]string {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return nil
	}
	var out [][2]string
	for _, a := range doc.Root().FindElements("./actions/action") {
		name := a.SelectAttrValue("name", "")
		if name == "meta-data" || name == "validate-all" {
			continue
		}
		var attrs []string
		for _, at := range a.Attr {
			if at.Key != "name" {
				attrs = append(attrs, at.Key+"="+at.Value)
			}
		}
		out = append(out, [2]string{name, strings.Join(attrs, " ")})
	}
	return out
}

// lines writes text line by line as the agent wrote it, each line after
// indent.
func lines(text, indent string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if indent != "" {
			l = indent + l
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}
