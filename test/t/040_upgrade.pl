# ALTER EXTENSION booking_events UPDATE from 1.0.0: pending, failed and
# in-flight events all survive it and are delivered; and a database updated
# from 1.0.0 holds exactly the objects, definitions and privileges of a
# fresh install of the current version (an upgrade script that forgets a
# change fails here).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('upgrade',
	webhook_url => $recv->url('/hook'),
	backoff_base_ms => 100,
	backoff_max_ms => 400,
	max_attempts => 20);
my $default_version = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'booking_events'");

$node->safe_psql('postgres', "CREATE EXTENSION booking_events VERSION '1.0.0'");
is( $node->safe_psql('postgres',
		"SELECT extversion FROM pg_extension WHERE extname = 'booking_events'"),
	'1.0.0',
	"CREATE EXTENSION booking_events VERSION '1.0.0' works");
create_app_schema($node, extension => 0);

# Failed: the receiver answers 410 (gone) to the first three events.
$recv->config({ statuses => [ 410, 410, 410 ] });
my @failed;
for my $n (1 .. 3)
{
	my $b = create_booking($node);
	my $event_id = insert_event($node, $b->{id}, 'booking.failed', "failed $n");
	wait_for_status($node, $event_id, 'failed');
	push @failed, $event_id;
}

# In flight: the receiver holds the next requests for a while.
$recv->config({ delay_ms => 8000 });
my $seen = $recv->count;
my (@in_flight, @pending);
for my $n (1 .. 3)
{
	my $b = create_booking($node);
	push @in_flight, insert_event($node, $b->{id}, 'booking.in_flight', "in flight $n");
	# Pending: a later event of the same booking waits behind it.
	push @pending, insert_event($node, $b->{id}, 'booking.pending', "pending $n");
}
cmp_ok($recv->wait_for_count($seen + 3), '>=', $seen + 3,
	'three requests are in flight');

$node->safe_psql('postgres', 'ALTER EXTENSION booking_events UPDATE');
is( $node->safe_psql('postgres',
		"SELECT extversion FROM pg_extension WHERE extname = 'booking_events'"),
	$default_version,
	"updated to $default_version while events were in flight");
# (The held requests may complete at any time; what is asserted stays true.)
is( $node->safe_psql('postgres',
		"SELECT count(*) || ' events, ' || count(*) FILTER (WHERE status = 'failed') || ' failed' "
		  . 'FROM webhook_outbox'),
	'9 events, 3 failed',
	'no event lost by the update, the failed ones still failed');

# Everything goes out: the held requests complete, the failed events are
# sent back by an operator, and an event written after the update follows.
$recv->config({});
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'),
	3, 'the failed events are retried');
my $b = create_booking($node);
my $after = insert_event($node, $b->{id}, 'booking.after', 'after the update');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) FILTER (WHERE status = 'delivered') = 10 FROM webhook_outbox"),
	'all ten events are delivered');
my %received = map { ($_->{headers}{'webhook-id'} // '') => 1 } @{ $recv->requests };
my @missing = grep { !$received{$_} } (@failed, @in_flight, @pending, $after);
is(scalar(@missing), 0, 'the receiver got every event') or diag("missing: @missing");

# --- fresh install and updated install: the same catalog -------------------
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('postgres', 'CREATE DATABASE updated');
$node->safe_psql('fresh', 'CREATE EXTENSION booking_events');
$node->safe_psql('updated',
	"CREATE EXTENSION booking_events VERSION '1.0.0'; ALTER EXTENSION booking_events UPDATE");

# Every member object of the extension with its definition, privileges,
# settings and comment; the tables' columns, defaults, constraints,
# indexes, triggers, policies and options; what pg_dump keeps.
my $catalog = <<'SQL';
WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'booking_events'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
member_relations AS (
    SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid)
SELECT line FROM (
    SELECT 'member ' || pg_describe_object(classid, objid, 0) FROM members
    UNION ALL
    SELECT 'function ' || pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, '-')
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
    SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid) FROM member_relations c
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
ORDER BY line;
SQL
my $fresh = $node->safe_psql('fresh', $catalog);
my $updated = $node->safe_psql('updated', $catalog);
cmp_ok(scalar(split /\n/, $fresh), '>', 50, 'the catalog listing covers the extension');
my %in_fresh = map { $_ => 1 } split /\n/, $fresh;
my %in_updated = map { $_ => 1 } split /\n/, $updated;
my @only_fresh = grep { !$in_updated{$_} } split /\n/, $fresh;
my @only_updated = grep { !$in_fresh{$_} } split /\n/, $updated;
ok(!@only_fresh && !@only_updated,
	'an install updated from 1.0.0 has the objects, definitions and privileges of a fresh one')
  or diag(join("\n", (map { "only in the fresh install: $_" } @only_fresh),
		(map { "only in the updated install: $_" } @only_updated)));

$node->stop;
done_testing();
