package cib

import (
	"testing"

	"github.com/pacer-ha/pacer/crmexit"
)

func TestApplyPatch(t *testing.T) {
	c := mustParse(t, xpDoc)
	patch := elem(t, `<diff format="2">
  <version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="4" num_updates="0"/></version>
  <change operation="modify" path="/cib"><change-list><change-attr name="epoch" operation="set" value="4"/></change-list></change>
  <change operation="create" path="/cib/configuration/resources" position="0"><primitive id="z" class="ocf" provider="pacemaker" type="Dummy"/></change>
  <change operation="delete" path="/cib/configuration/resources/group[@id='g']/primitive[@id='c']"/>
  <change operation="modify" path="//primitive[@id='a']"><change-list>
    <change-attr name="description" operation="set" value="patched"/><change-attr name="provider" operation="unset"/></change-list></change>
  <change operation="move" path="//primitive[@id='a']" position="2"/>
</diff>`)
	if err := c.ApplyPatch(patch); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, c, "/cib/configuration/resources/*"); got != "z,g,a" {
		t.Errorf("resources after patch: %s", got)
	}
	if ids(t, c, "//primitive[@description='patched' and not(@provider)]") != "a" {
		t.Error("modify not applied")
	}
	if ids(t, c, "//primitive[@id='c']") != "" {
		t.Error("delete not applied")
	}
	if v := c.Version(); v != (Version{0, 5, 0}) {
		t.Errorf("version %v, want 0.5.0 (target, then bumped)", v)
	}
	// Applying again: the CIB is now newer than the patch's source.
	before := c.String()
	if err := c.ApplyPatch(patch); codeOf(err) != crmexit.Old {
		t.Errorf("reapply: %v", err)
	}
	// A patch failing half-way leaves nothing behind.
	bad := elem(t, `<diff format="2">
  <version><source admin_epoch="0" epoch="5" num_updates="0"/></version>
  <change operation="delete" path="//primitive[@id='z']"/>
  <change operation="delete" path="//primitive[@id='nope']"/>
</diff>`)
	if err := c.ApplyPatch(bad); codeOf(err) != crmexit.NoSuch {
		t.Errorf("bad path: %v", err)
	}
	// One that leaves a dangling reference is refused by validation.
	dangling := elem(t, `<diff format="2">
  <version><source admin_epoch="0" epoch="5" num_updates="0"/></version>
  <change operation="delete" path="//primitive[@id='a']"/>
</diff>`)
	if err := c.ApplyPatch(dangling); codeOf(err) != crmexit.Config {
		t.Errorf("dangling: %v", err)
	}
	if c.String() != before {
		t.Error("failed patches changed the CIB")
	}
	older := mustParse(t, xpDoc)
	older.SetVersion(Version{0, 0, 5})
	if err := older.ApplyPatch(patch); codeOf(err) != crmexit.Err {
		t.Errorf("older CIB: %v", err)
	}
	if err := c.ApplyPatch(elem(t, `<diff format="1"/>`)); codeOf(err) != crmexit.Unimplemented {
		t.Errorf("format 1: %v", err)
	}
}
