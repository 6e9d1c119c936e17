# Endpoints (#11) and the settings a DBA turns on and off: a server started
# with an empty webhook_url and no extension yet; the extension is created,
# booking_events.paused turned on, the URL set, events queued, paused turned
# off: the backlog drains, to `default` and to a named endpoint. (Found by
# bench/endpoints.sh, whose drains never started: the worker stayed asleep
# after paused went off.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('ep_pause_setting', backoff_base_ms => 100);
create_app_schema($node);

reload_settings($node, paused => 'on');
reload_settings($node, webhook_url => $recv->url('/hook'));
insert_many($node, 20, bookings => 5, tag => 'paused', event_type => 'booking.paused');
is($recv->count, 0, 'nothing is sent while paused');
reload_settings($node, paused => 'off');
wait_for_drain($node, 'paused off: the backlog queued for default drains');
is($recv->count, 20, 'default got the 20 events');

# The same with a named endpoint created while paused.
reload_settings($node, paused => 'on');
endpoint_set($node, 'crm', $recv->url('/crm'));
insert_many($node, 20, bookings => 5, tag => 'paused2', event_type => 'booking.paused');
reload_settings($node, paused => 'off');
wait_for_drain($node, 'paused off again: default and crm drain');
is(scalar(@{ path_requests($recv, '/crm') }), 20, 'crm got the 20 events');

$node->stop;
$recv->stop;
done_testing();
