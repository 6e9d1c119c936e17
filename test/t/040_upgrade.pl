# The installed catalog: CREATE EXTENSION booking_events VERSION '1.0.0'
# still works, and the extension that CREATE EXTENSION installs (1.0.0 and
# then every update script) is exactly the checked-in listing
# test/t/040_catalog.expected: every member object with its definition (as an
# md5), privileges, settings and comment, the tables' columns, defaults,
# constraints, indexes, triggers, policies and options, what pg_dump keeps.
#
# This used to compare a fresh install with one updated from 1.0.0; since
# there is no full install script after 1.0.0 any more, both run the same
# scripts and that comparison could not fail. A change to installed objects
# now shows up here as a diff to review: after reading it, regenerate the
# listing with BOOKING_EVENTS_WRITE_CATALOG=<path of the listing> (the test
# writes the actual listing there instead of comparing).
# Events queued, failed and in flight across ALTER EXTENSION UPDATE are
# 056_endpoints_upgrade's job (from 1.0.0 and from 1.1.0).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $node = new_node('catalog');
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', "CREATE EXTENSION booking_events VERSION '1.0.0'");
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'booking_events'"),
	'1.0.0', "CREATE EXTENSION booking_events VERSION '1.0.0' works");
$node->safe_psql('postgres', 'CREATE EXTENSION booking_events');

# The role that ran CREATE EXTENSION appears in the ACLs as OWNER, so that
# the listing does not depend on the name of the user running the tests.
my $catalog = <<'SQL';
WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'booking_events'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
member_relations AS (
    SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid)
SELECT replace(replace(line, current_user || '=', 'OWNER='), '/' || current_user, '/OWNER') FROM (
    SELECT 'member ' || pg_describe_object(classid, objid, 0) FROM members
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text || ' definition md5=' || md5(pg_get_functiondef(p.oid))
           || ' acl=' || coalesce(p.proacl::text, '-')
           || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
    FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
    UNION ALL
    SELECT 'relation ' || c.relname || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text
           || ' acl=' || coalesce(c.relacl::text, '-') || ' options=' || coalesce(c.reloptions::text, '-')
           || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity
           || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '-')
    FROM member_relations c
    UNION ALL
    SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text
           || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-')
           || ' acl=' || coalesce(a.attacl::text, '-')
           || ' comment=' || coalesce(col_description(c.oid, a.attnum), '-')
    FROM member_relations c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN member_relations c ON c.oid = i.indrelid
    UNION ALL
    SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN member_relations c ON c.oid = k.conrelid
    UNION ALL
    SELECT 'view ' || c.relname || ' definition md5=' || md5(pg_get_viewdef(c.oid)) FROM member_relations c
    WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN member_relations c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'policy ' || c.relname || ' ' || p.polname || ' ' || p.polcmd::text || ' '
           || coalesce(pg_get_expr(p.polqual, p.polrelid), '-') || ' '
           || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
    FROM pg_policy p JOIN member_relations c ON c.oid = p.polrelid
    UNION ALL
    SELECT 'sequence ' || c.relname || ' ' || s.seqtypid::regtype || ' ' || s.seqstart || ' '
           || s.seqincrement || ' ' || s.seqmax || ' ' || s.seqmin || ' ' || s.seqcache || ' ' || s.seqcycle
    FROM pg_sequence s JOIN member_relations c ON c.oid = s.seqrelid
    UNION ALL
    SELECT 'dumped ' || c.oid::regclass::text || ' ' || coalesce(ext.extcondition[c.n], '-')
    FROM ext, unnest(ext.extconfig) WITH ORDINALITY AS c(oid, n)
) AS catalog(line)
ORDER BY 1;
SQL
my $actual = $node->safe_psql('postgres', $catalog) . "\n";
cmp_ok(scalar(split /\n/, $actual), '>', 50, 'the catalog listing covers the extension');
if (my $write_to = $ENV{BOOKING_EVENTS_WRITE_CATALOG})
{
	PostgreSQL::Test::Utils::append_to_file($write_to, $actual);
	note("listing written to $write_to");
}
else
{
	my $expected = slurp_file("$FindBin::RealBin/040_catalog.expected");
	my %in_expected = map { $_ => 1 } split /\n/, $expected;
	my %in_actual = map { $_ => 1 } split /\n/, $actual;
	my @missing = grep { !$in_actual{$_} } split /\n/, $expected;
	my @extra = grep { !$in_expected{$_} } split /\n/, $actual;
	ok(!@missing && !@extra, 'CREATE EXTENSION installs exactly the checked-in catalog listing')
	  or diag(join("\n", (map { "expected, not installed: $_" } @missing),
			(map { "installed, not expected: $_" } @extra)));
}

$node->stop;
done_testing();
