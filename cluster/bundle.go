package cluster

import (
	"net"
	"strconv"

	"github.com/beevik/etree"
)

// newBundle unpacks a <bundle>; replicas are generated in finishBundle.
func (u *unpacker) newBundle(e *etree.Element) *Resource {
	r := newResource(e, Bundle, nil)
	r.MetaSets = u.sets(e, "meta_attributes")
	r.InstanceSets = u.sets(e, "instance_attributes")
	b := &BundleInfo{Replicas: -1, ReplicasPerHost: 1}
	for _, ch := range e.ChildElements() {
		switch ch.Tag {
		case "docker", "podman", "rkt":
			b.ContainerType = ch.Tag
			b.Image = ch.SelectAttrValue("image", "")
			b.Replicas = ParseInt(ch.SelectAttrValue("replicas", "-1"), -1)
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
	if b.Replicas < 0 {
		// Replicas default to promoted-max when that is set, else one.
		b.Replicas = 1
		if b.PromotedMax > 0 {
			b.Replicas = b.PromotedMax
		}
	}
	r.Bundle = b
	u.register(r)
	return r
}

// finishBundle generates each replica's IP, container, remote connection
// and child instance, with the names Pacemaker gives them, and the guest
// nodes the children run on.
func (u *unpacker) finishBundle(r *Resource) {
	b := r.Bundle
	if b == nil {
		return
	}
	var clone *Resource
	if b.Child != nil {
		clone = &Resource{
			ID: r.ID + "-clone", BaseID: r.ID + "-clone", Kind: Clone, Element: r.Element,
			Parent: r, InstanceNum: -1, Implicit: true, Prototype: b.Child,
		}
		b.Child.Parent = clone
		u.resolveMeta(clone)
		clone.CloneMax = b.Replicas
		clone.CloneNodeMax = b.ReplicasPerHost
		clone.Promotable = b.PromotedMax > 0
		clone.PromotedMax = b.PromotedMax
		clone.GloballyUnique = false
		u.register(clone)
		u.resolveMeta(b.Child)
	}
	for i := 0; i < b.Replicas; i++ {
		rep := &BundleReplica{Num: i}
		if b.IPRangeStart != "" {
			rep.IPAddr = nthIP(b.IPRangeStart, i)
			rep.IP = u.bundlePrimitive(r, r.ID+"-ip-"+rep.IPAddr, "heartbeat", "IPaddr2")
			rep.IP.Params["ip"] = rep.IPAddr
			if b.HostNetmask != "" {
				rep.IP.Params["cidr_netmask"] = b.HostNetmask
			}
			r.Children = append(r.Children, rep.IP)
		}
		ctype := b.ContainerType
		if ctype == "" {
			ctype = "docker"
		}
		rep.Container = u.bundlePrimitive(r, r.ID+"-"+ctype+"-"+strconv.Itoa(i), "heartbeat", ctype)
		r.Children = append(r.Children, rep.Container)
		if clone != nil {
			name := r.ID + "-" + strconv.Itoa(i)
			rep.Remote = u.bundlePrimitive(r, name, "pacemaker", "remote")
			rep.Remote.Container = rep.Container
			r.Children = append(r.Children, rep.Remote)
			n := u.c.NodeByName[name]
			if n == nil {
				n = u.addNode(&Node{ID: name, Name: name, Type: NodeGuest,
					Attrs: map[string]string{}, Utilization: map[string]string{}})
			} else {
				n.Type = NodeGuest
			}
			n.Container = rep.Container
			n.RemoteRsc = rep.Remote
			rep.Node = n
			rep.Child = u.instance(b.Child, clone, i)
			rep.Child.Container = rep.Container
			clone.Children = append(clone.Children, rep.Child)
		}
		b.Replica = append(b.Replica, rep)
	}
	if clone != nil {
		r.Children = append(r.Children, clone)
	}
}

// bundlePrimitive creates one generated primitive of a bundle replica.
func (u *unpacker) bundlePrimitive(b *Resource, id, provider, typ string) *Resource {
	p := &Resource{
		ID: id, BaseID: id, Kind: Primitive, Element: b.Element, Parent: b,
		InstanceNum: -1, Class: "ocf", Provider: provider, Type: typ, Implicit: true,
	}
	u.resolveMeta(p)
	p.Params = map[string]string{}
	u.register(p)
	return p
}

// nthIP returns the address i steps after start (IPv4 or IPv6).
func nthIP(start string, i int) string {
	ip := net.ParseIP(start)
	if ip == nil {
		return start
	}
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	out := make(net.IP, len(ip))
	copy(out, ip)
	carry := i
	for k := len(out) - 1; k >= 0 && carry > 0; k-- {
		sum := int(out[k]) + carry
		out[k] = byte(sum % 256)
		carry = sum / 256
	}
	return out.String()
}

// bundleReplicaFor finds the child of the bundle replica running on node n.
func bundleReplicaFor(bundle *Resource, n *Node, base string) *Resource {
	if bundle.Bundle == nil {
		return nil
	}
	for _, rep := range bundle.Bundle.Replica {
		if rep.Node == n && rep.Child != nil {
			return findBase(rep.Child, base)
		}
	}
	return nil
}
