package main

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/beevik/etree"
	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/controller"
)

// bootstrapSet is the cluster_property_set the DC writes its own facts to,
// as Pacemaker's controller does.
const bootstrapSet = "cib-bootstrap-options"

// pacerVersion is what the DC writes as dc-version: "pacer-" and the
// module version with the commit it was built from, the shape of
// Pacemaker's "2.1.5-a3f44794f94" (crm_mon prints it as
// "Current DC: NODE (version pacer-...)").
func pacerVersion() string {
	v, rev, dirty := "devel", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
			v = mv
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if len(rev) > 11 {
		rev = rev[:11]
	}
	if rev != "" {
		v += "-" + rev
		if dirty {
			v += "+dirty"
		}
	}
	return "pacer-" + v
}

// bootstrapValues are the properties the DC owns. have-watchdog is false:
// Pacer has no SBD watchdog integration.
func (d *daemon) bootstrapValues() [][2]string {
	return [][2]string{
		{"have-watchdog", "false"},
		{"dc-version", d.version},
		{"cluster-infrastructure", "pacer"},
		{"cluster-name", d.cfg.ClusterName},
	}
}

// withBootstrap returns doc with the DC's properties set (an existing
// nvpair of the same name, in any cluster_property_set, is updated in
// place; new ones go to cib-bootstrap-options) and its epoch advanced, or
// nil when nothing needs to change.
func withBootstrap(doc []byte, values [][2]string) ([]byte, error) {
	c, err := cib.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("parsing the CIB: %w", err)
	}
	conf := c.Section("crm_config")
	if conf == nil {
		return nil, fmt.Errorf("the CIB has no crm_config section")
	}
	changed := false
	for _, kv := range values {
		var nv *etree.Element
		for _, set := range conf.SelectElements("cluster_property_set") {
			for _, p := range set.SelectElements("nvpair") {
				if p.SelectAttrValue("name", "") == kv[0] && nv == nil {
					nv = p
				}
			}
		}
		if nv != nil {
			if nv.SelectAttrValue("value", "\x00") != kv[1] {
				nv.CreateAttr("value", kv[1])
				changed = true
			}
			continue
		}
		var set *etree.Element
		for _, s := range conf.SelectElements("cluster_property_set") {
			if s.SelectAttrValue("id", "") == bootstrapSet {
				set = s
			}
		}
		if set == nil {
			set = etree.NewElement("cluster_property_set")
			set.CreateAttr("id", bootstrapSet)
			conf.InsertChildAt(0, set)
		}
		nv = set.CreateElement("nvpair")
		nv.CreateAttr("id", bootstrapSet+"-"+kv[0])
		nv.CreateAttr("name", kv[0])
		nv.CreateAttr("value", kv[1])
		changed = true
	}
	if !changed {
		return nil, nil
	}
	v := c.Version()
	v.Epoch++
	v.NumUpdates = 0
	c.SetVersion(v)
	return c.Bytes()
}

// writeBootstrap makes the ready, quorate DC record its properties (event
// loop only). It tries once per configuration epoch and DC term: a lost
// compare-and-swap is retried after the change that beat it.
func (d *daemon) writeBootstrap() {
	s := d.node.Status()
	if s.DC != d.self.Name || !s.Ready || !s.Quorate {
		return
	}
	doc, ver := d.node.Doc()
	// Only a configuration change (a new epoch) can drop the values: status
	// updates, the DC's steady work, do not make it parse the CIB again.
	key := controller.Version{AdminEpoch: ver.AdminEpoch, Epoch: ver.Epoch}
	if d.bootstrapTried == key && d.bootstrapTerm == s.Term {
		return
	}
	d.bootstrapTried, d.bootstrapTerm = key, s.Term
	next, err := withBootstrap(doc, d.bootstrapValues())
	if err != nil {
		d.log.Error("recording dc-version", "err", err)
		return
	}
	if next == nil {
		return
	}
	d.log.Info("recording the DC's properties", "dc-version", d.version)
	d.proposeOwn(controller.Op{Kind: controller.OpReplace, Base: ver, Doc: next, Origin: d.self.Name, Client: "crmd",
		When: nowString()}, "")
}

// nowString is a write's time as Pacemaker records it (cib-last-written).
func nowString() string { return time.Now().Format("Mon Jan _2 15:04:05 2006") }
