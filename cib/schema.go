package cib

// The table of configuration elements Pacer accepts: for each element, the attributes
// it may carry and the elements it may contain. It follows Pacemaker's pacemaker-3.x
// RNG schema (as described in Pacemaker Explained) and accepts everything the
// scheduler regression CIBs use. Status is free-form in Pacemaker's schema and is not
// checked here.

type elemSpec struct {
	attrs    []string // allowed attribute names
	children []string // allowed child element names
	needID   bool     // the element must carry an id (or id-ref where allowed)
}

var (
	nvsetAttrs    = []string{"id", "id-ref", "score", "description"}
	nvsetChildren = []string{"nvpair", "rule"}
	ruleChildren  = []string{"expression", "date_expression", "rule", "rsc_expression", "op_expression"}
	rscChildren   = []string{"meta_attributes", "instance_attributes", "operations", "utilization"}
	bundleRuntime = []string{"image", "replicas", "replicas-per-host", "masters", "promoted-max", "run-command", "network", "options"}
	dateFields    = []string{"id", "hours", "monthdays", "weekdays", "yeardays", "yearsdays", "months", "weeks", "years", "weekyears", "moon", "minutes", "seconds", "days"}
)

var schema = map[string]elemSpec{
	"configuration":        {children: []string{"crm_config", "nodes", "resources", "constraints", "rsc_defaults", "op_defaults", "acls", "fencing-topology", "tags", "alerts"}},
	"crm_config":           {children: []string{"cluster_property_set"}},
	"cluster_property_set": {attrs: nvsetAttrs, children: nvsetChildren, needID: true},
	"nvpair":               {attrs: []string{"id", "id-ref", "name", "value"}, needID: true},
	"nodes":                {children: []string{"node"}},
	"node":                 {attrs: []string{"id", "uname", "type", "description", "score"}, children: []string{"instance_attributes", "utilization"}, needID: true},
	"resources":            {children: []string{"primitive", "group", "clone", "master", "bundle", "template"}},
	"primitive":            {attrs: []string{"id", "class", "provider", "type", "template", "description"}, children: rscChildren, needID: true},
	"template":             {attrs: []string{"id", "class", "provider", "type", "description"}, children: rscChildren, needID: true},
	"group":                {attrs: []string{"id", "description"}, children: []string{"primitive", "meta_attributes", "instance_attributes", "utilization"}, needID: true},
	"clone":                {attrs: []string{"id", "description"}, children: []string{"primitive", "group", "meta_attributes", "instance_attributes", "utilization"}, needID: true},
	"master":               {attrs: []string{"id", "description"}, children: []string{"primitive", "group", "meta_attributes", "instance_attributes", "utilization"}, needID: true},
	"bundle":               {attrs: []string{"id", "description"}, children: []string{"docker", "rkt", "podman", "network", "storage", "primitive", "meta_attributes", "instance_attributes", "utilization"}, needID: true},
	"docker":               {attrs: bundleRuntime},
	"rkt":                  {attrs: bundleRuntime},
	"podman":               {attrs: bundleRuntime},
	"network":              {attrs: []string{"ip-range-start", "control-port", "host-interface", "host-netmask", "add-host"}, children: []string{"port-mapping"}},
	"port-mapping":         {attrs: []string{"id", "port", "internal-port", "range"}, needID: true},
	"storage":              {children: []string{"storage-mapping"}},
	"storage-mapping":      {attrs: []string{"id", "source-dir", "source-dir-root", "target-dir", "options"}, needID: true},
	"meta_attributes":      {attrs: nvsetAttrs, children: nvsetChildren, needID: true},
	"instance_attributes":  {attrs: nvsetAttrs, children: nvsetChildren, needID: true},
	"utilization":          {attrs: nvsetAttrs, children: nvsetChildren, needID: true},
	"operations":           {attrs: []string{"id", "id-ref"}, children: []string{"op"}},
	"op": {attrs: []string{"id", "name", "interval", "description", "start-delay", "interval-origin", "timeout", "enabled", "record-pending", "role", "on-fail"},
		children: []string{"meta_attributes", "instance_attributes"}, needID: true},
	"rule":            {attrs: []string{"id", "id-ref", "score", "score-attribute", "boolean-op", "role"}, children: ruleChildren, needID: true},
	"expression":      {attrs: []string{"id", "attribute", "operation", "value", "type", "value-source"}, needID: true},
	"date_expression": {attrs: []string{"id", "operation", "start", "end"}, children: []string{"date_spec", "duration"}, needID: true},
	"date_spec":       {attrs: dateFields, needID: true},
	"duration":        {attrs: dateFields, needID: true},
	"rsc_expression":  {attrs: []string{"id", "class", "provider", "type"}, needID: true},
	"op_expression":   {attrs: []string{"id", "name", "interval"}, needID: true},
	"constraints":     {children: []string{"rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket"}},
	"rsc_location":    {attrs: []string{"id", "rsc", "rsc-pattern", "role", "score", "node", "resource-discovery"}, children: []string{"rule", "resource_set", "lifetime"}, needID: true},
	"rsc_colocation": {attrs: []string{"id", "rsc", "with-rsc", "rsc-role", "with-rsc-role", "score", "node-attribute", "influence", "rsc-instance", "with-rsc-instance"},
		children: []string{"resource_set", "lifetime"}, needID: true},
	"rsc_order": {attrs: []string{"id", "first", "then", "first-action", "then-action", "kind", "score", "symmetrical", "require-all", "first-instance", "then-instance"},
		children: []string{"resource_set", "lifetime"}, needID: true},
	"rsc_ticket":        {attrs: []string{"id", "rsc", "rsc-role", "ticket", "loss-policy"}, children: []string{"resource_set"}, needID: true},
	"resource_set":      {attrs: []string{"id", "id-ref", "sequential", "require-all", "ordering", "action", "role", "score", "kind"}, children: []string{"resource_ref"}, needID: true},
	"resource_ref":      {attrs: []string{"id"}, needID: true},
	"lifetime":          {children: []string{"rule"}},
	"rsc_defaults":      {children: []string{"meta_attributes"}},
	"op_defaults":       {children: []string{"meta_attributes"}},
	"fencing-topology":  {children: []string{"fencing-level"}},
	"fencing-level":     {attrs: []string{"id", "target", "target-pattern", "target-attribute", "target-value", "index", "devices"}, needID: true},
	"tags":              {children: []string{"tag"}},
	"tag":               {attrs: []string{"id"}, children: []string{"obj_ref"}, needID: true},
	"obj_ref":           {attrs: []string{"id"}, needID: true},
	"acls":              {children: []string{"acl_target", "acl_group", "acl_role", "acl_user"}},
	"acl_target":        {attrs: []string{"id", "name"}, children: []string{"role"}, needID: true},
	"acl_group":         {attrs: []string{"id", "name"}, children: []string{"role"}, needID: true},
	"acl_user":          {attrs: []string{"id", "name"}, children: []string{"role", "role_ref", "read", "write", "deny"}, needID: true},
	"acl_role":          {attrs: []string{"id", "description"}, children: []string{"acl_permission", "read", "write", "deny"}, needID: true},
	"role":              {attrs: []string{"id"}, needID: true},
	"role_ref":          {attrs: []string{"id"}, needID: true},
	"acl_permission":    {attrs: []string{"id", "kind", "xpath", "reference", "object-type", "attribute", "description"}, needID: true},
	"read":              {attrs: []string{"id", "tag", "ref", "xpath", "attribute"}, needID: true},
	"write":             {attrs: []string{"id", "tag", "ref", "xpath", "attribute"}, needID: true},
	"deny":              {attrs: []string{"id", "tag", "ref", "xpath", "attribute"}, needID: true},
	"alerts":            {children: []string{"alert"}},
	"alert":             {attrs: []string{"id", "path", "description"}, children: []string{"select", "recipient", "meta_attributes", "instance_attributes"}, needID: true},
	"recipient":         {attrs: []string{"id", "value", "description"}, children: []string{"meta_attributes", "instance_attributes"}, needID: true},
	"select":            {children: []string{"select_attributes", "select_fencing", "select_nodes", "select_resources"}},
	"select_attributes": {children: []string{"attribute"}},
	"select_fencing":    {},
	"select_nodes":      {},
	"select_resources":  {},
	"attribute":         {attrs: []string{"id", "name"}, needID: true},
}

// idRefAttrs are attributes whose value must be the id of an existing configuration
// element (IDREFs in Pacemaker's schema), by element.
var idRefAttrs = map[string][]string{
	"rsc_location":   {"rsc"},
	"rsc_colocation": {"rsc", "with-rsc"},
	"rsc_order":      {"first", "then"},
	"rsc_ticket":     {"rsc"},
	"resource_ref":   {"id"},
	"obj_ref":        {"id"},
	"role":           {"id"},
	"role_ref":       {"id"},
	"primitive":      {"template"},
}

// refByID lists elements whose id attribute is a reference, not a definition.
var refByID = map[string]bool{"resource_ref": true, "obj_ref": true, "role": true, "role_ref": true}

// scoreAttrs are attributes holding a score (an integer or [+-]INFINITY).
var scoreAttrs = map[string]bool{"score": true}

// sets turns the table's slices into sets once per Validate call's lookups.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
