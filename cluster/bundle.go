package cluster

import (
	"github.com/beevik/etree"
)

// newBundle unpacks a <bundle>; replicas are generated in finishBundle.
func (u *unpacker) newBundle(e *etree.Element) *Resource {
	r := newResource(e, Bundle, nil)
	r.MetaSets = u.sets(e, "meta_attributes")
	r.InstanceSets = u.sets(e, "instance_attributes")
	b := &BundleInfo{Replicas: 1, ReplicasPerHost: 1}
	for _, ch := range e.ChildElements() {
		switch ch.Tag {
		case "docker", "podman", "rkt":
			b.ContainerType = ch.Tag
			b.Image = ch.SelectAttrValue("image", "")
			b.Replicas = ParseInt(ch.SelectAttrValue("replicas", "1"), 1)
			b.ReplicasPerHost = ParseInt(ch.SelectAttrValue("replicas-per-host", "1"), 1)
			b.PromotedMax = ParseInt(ch.SelectAttrValue("promoted-max", ch.SelectAttrValue("masters", "0")), 0)
			b.RunCommand = ch.SelectAttrValue("run-command", "")
		case "network":
			b.IPRangeStart = ch.SelectAttrValue("ip-range-start", "")
			b.HostNetmask = ch.SelectAttrValue("host-netmask", "")
			b.ControlPort = ch.SelectAttrValue("control-port", "")
		case "primitive":
			b.Child = u.newPrimitive(ch, r)
		}
	}
	r.Bundle = b
	u.register(r)
	return r
}

// finishBundle resolves a bundle's meta attributes and child.
func (u *unpacker) finishBundle(r *Resource) {
	if b := r.Bundle; b != nil && b.Child != nil {
		u.resolveMeta(b.Child)
	}
}
