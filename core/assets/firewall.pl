# Paddock's firewall: the egress rules of a workspace's network namespace, its only DNS path, and
# its network log. Runs as root with NET_ADMIN in the firewall container; the agent (UID 1000, no
# capabilities) shares the namespace. Perl because perl-base is in every Debian and Ubuntu image
# (the firewall adds no interpreter), and because a resolver written here can give each allowed
# address an nft timeout equal to its answer's TTL, which dnsmasq's nftset cannot.
#
# Order of work, each step fail-closed:
#   1. one atomic nft transaction: output and input policies drop, the blocks, empty allow sets;
#   2. the policy file (/etc/paddock/egress, put there by Paddock) fills the sets;
#   3. the resolver listens on 127.0.0.1:53, /etc/resolv.conf points there: the agent's wrapper
#      waits for this listener (it exists only in this namespace, so only for this run);
#   4. events (DNS queries, refused connections) go to stdout as `paddock-net {json}` lines.
use strict;
use warnings;
use IO::Select;
use IO::Socket::IP;
use Socket qw(inet_ntop inet_pton AF_INET AF_INET6 SOCK_DGRAM SOCK_STREAM);
use POSIX qw(WNOHANG);

my $POLICY_FILE = '/etc/paddock/egress';
my $READY_FILE = '/tmp/paddock-firewall-ready';
my $UPSTREAM_FILE = '/etc/paddock-upstream';
my $READY_LINE = 'paddock-firewall: egress rules installed';
my $AGENT_PORT = $ARGV[0] // '';
my $ANSWER_TIMEOUT_FLOOR = 2;
my $UPSTREAM_TIMEOUT = 2;
my $CACHE_LIMIT = 10000;

$| = 1;
unlink $READY_FILE;
$SIG{PIPE} = 'IGNORE';
# Paddock signals HUP right after it replaces the policy file, so a change applies at once.
my $reload = 0;
$SIG{HUP} = sub { $reload = 1 };
$SIG{CHLD} = sub { 1 while waitpid(-1, WNOHANG) > 0 };

sub fail { print STDERR "paddock-firewall: $_[0]\n"; exit 1 }
sub warning { print STDERR "paddock-firewall: warning: $_[0]\n" }

sub json_string {
  my ($value) = @_;
  return 'null' unless defined $value;
  $value =~ s/([\\"])/\\$1/g;
  $value =~ s/([\x00-\x1f\x7f-\xff])/sprintf('\\u%04x', ord($1))/ge;
  return "\"$value\"";
}

sub event {
  my (%fields) = @_;
  my @order = qw(kind name type address answers port protocol verdict reason);
  my @parts;
  for my $key (@order) {
    next unless exists $fields{$key};
    my $value = $fields{$key};
    my $text = ref $value eq 'ARRAY' ? '[' . join(',', map { json_string($_) } @$value) . ']'
      : defined $value && $value =~ /^[0-9]+$/ && $key eq 'port' ? $value
      : json_string($value);
    push @parts, json_string($key) . ":$text";
  }
  print 'paddock-net {' . join(',', @parts) . "}\n";
}

sub lines_of { my $out = `@_ 2>/dev/null`; return split /\n/, $out }

# ---- what this namespace looks like -------------------------------------------------------------

my (@gateways4, @gateways6, @subnets4, @subnets6);
for (lines_of('ip -4 route show default')) { push @gateways4, $1 if /\bvia (\S+)/ }
for (lines_of('ip -6 route show default')) { push @gateways6, $1 if /\bvia (\S+)/ }
for (lines_of('ip -o -4 addr show scope global')) { push @subnets4, $1 if /\binet (\S+)/ }
for (lines_of('ip -o -6 addr show scope global')) { push @subnets6, $1 if /\binet6 (\S+)/ }

# The engine's resolvers, read before resolv.conf points at us. A container started again may
# find our own resolv.conf (engines keep an edited file), so the first reading is kept.
sub read_resolvers {
  my ($file) = @_;
  open(my $fh, '<', $file) or return ();
  my @servers = map { /^\s*nameserver\s+(\S+)/ ? ($1) : () } <$fh>;
  close $fh;
  return @servers;
}
my @engine_resolvers = grep { $_ ne '127.0.0.1' } read_resolvers('/etc/resolv.conf');
if (@engine_resolvers) {
  open(my $fh, '>', $UPSTREAM_FILE) or fail("cannot write $UPSTREAM_FILE: $!");
  print $fh map { "nameserver $_\n" } @engine_resolvers;
  close $fh;
} else {
  @engine_resolvers = read_resolvers($UPSTREAM_FILE);
}

# ---- the rules ----------------------------------------------------------------------------------

my $inbound_port = $AGENT_PORT =~ /^[0-9]+$/ && @gateways4
  ? "tcp dport $AGENT_PORT ip saddr { " . join(', ', @gateways4) . " } accept\n" : '';
my $ruleset = <<"NFT";
table inet paddock
delete table inet paddock
table inet paddock {
  set host4 { type ipv4_addr; flags interval; auto-merge; }
  set host6 { type ipv6_addr; flags interval; auto-merge; }
  set allow4 { type ipv4_addr; flags interval; auto-merge; }
  set allow6 { type ipv6_addr; flags interval; auto-merge; }
  set dyn4 { type ipv4_addr; flags timeout; }
  set dyn6 { type ipv6_addr; flags timeout; }
  set local4 { type ipv4_addr; flags interval; auto-merge; }
  set local6 { type ipv6_addr; flags interval; auto-merge; }
  chain sync {
  }
  chain blocked {
    limit rate 2000/second burst 4000 packets meta nftrace set 1
    meta l4proto tcp reject with tcp reset
    reject
  }
  chain mode {
    jump blocked
  }
  chain agent_out {
    meta l4proto { tcp, udp } th dport { 53, 853 } jump blocked
    ip daddr \@allow4 accept
    ip6 daddr \@allow6 accept
    ip daddr \@host4 jump blocked
    ip6 daddr \@host6 jump blocked
    ip daddr \@dyn4 accept
    ip6 daddr \@dyn6 accept
    ip daddr \@local4 jump blocked
    ip6 daddr \@local6 jump blocked
    ip daddr { 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16, 224.0.0.0/3 } jump blocked
    ip6 daddr { ::/127, ::ffff:0:0/96, 64:ff9b::/96, fc00::/7, fe80::/10, fec0::/10, ff00::/8 } jump blocked
    jump mode
  }
  chain loopback {
    meta skuid != 0 ip daddr 127.0.0.11 jump blocked
    accept
  }
  chain output {
    type filter hook output priority 0; policy drop;
    ct state established,related accept
    oif lo jump loopback
    icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept
    icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } drop
    meta skuid 0 meta l4proto { tcp, udp } th dport 53 accept
    jump agent_out
  }
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iif lo accept
    icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept
    $inbound_port
  }
}
NFT
open(my $load, '|-', 'nft', '-f', '-') or fail("cannot run nft ($!); is the firewall image from an older Paddock? Rebuild it: paddock build --rebuild");
print $load $ruleset;
close $load or fail('nft refused the rules (is nf_tables missing from the kernel?); nothing was started');

# One nft process for the life of the firewall: each command is a transaction, and listing the
# empty `sync` chain after it tells us it is in (nft answers in order).
pipe(my $nft_out_read, my $nft_out_write) or fail("pipe: $!");
pipe(my $nft_in_read, my $nft_in_write) or fail("pipe: $!");
my $nft_pid = fork();
fail("fork: $!") unless defined $nft_pid;
if (!$nft_pid) {
  close $nft_out_read; close $nft_in_write;
  open(STDIN, '<&', $nft_in_read); open(STDOUT, '>&', $nft_out_write); open(STDERR, '>&', $nft_out_write);
  exec('nft', '-i') or exit 1;
}
close $nft_out_write; close $nft_in_read;
$nft_in_write->autoflush(1);

# Runs commands as one transaction; returns the error nft gave, or undef when they are in.
sub nft {
  my ($commands) = @_;
  return undef if $commands eq '';
  print $nft_in_write "$commands\nlist chain inet paddock sync\n" or fail('the nft process died; the firewall stops (fail closed)');
  my @errors;
  while (1) {
    my $line = <$nft_out_read>;
    if (!defined $line) {
      next if $!{EINTR};
      fail('the nft process died; the firewall stops (fail closed)');
    }
    return @errors ? join(' ', @errors) : undef if $line =~ /^\}/;
    chomp $line;
    push @errors, $line if @errors || $line =~ /^Error/;
  }
}

# ---- the policy ---------------------------------------------------------------------------------

my %policy = (id => '', mode => 'allowlist', names => {}, wildcards => {}, nets4 => [], nets6 => [], hosts4 => [], hosts6 => [], dns => []);
my $policy_text = '';
my @upstreams;

sub parse_policy {
  my ($text) = @_;
  my %next = (id => '', mode => 'allowlist', names => {}, wildcards => {}, nets4 => [], nets6 => [], hosts4 => [], hosts6 => [], dns => []);
  for my $line (split /\n/, $text) {
    my ($key, $value) = split / /, $line, 2;
    next unless defined $value;
    if ($key eq 'id') { $next{id} = $value }
    elsif ($key eq 'mode') { $next{mode} = $value eq 'open' ? 'open' : 'allowlist' }
    elsif ($key eq 'name') { $next{names}{lc $value} = 1 }
    elsif ($key eq 'wildcard') { $next{wildcards}{lc $value} = 1 }
    elsif ($key eq 'net') { push @{ $next{$value =~ /:/ ? 'nets6' : 'nets4'} }, $value }
    elsif ($key eq 'host') { push @{ $next{$value =~ /:/ ? 'hosts6' : 'hosts4'} }, $value }
    elsif ($key eq 'dns') { push @{ $next{dns} }, $value }
  }
  return \%next;
}

sub name_allowed {
  my ($name) = @_;
  $name = lc $name;
  $name =~ s/\.$//;
  return 1 if $policy{names}{$name};
  # A wildcard covers exactly one label below its parent, as in a TLS certificate.
  my $dot = index($name, '.');
  return $dot > 0 && $policy{wildcards}{substr($name, $dot + 1)} ? 1 : 0;
}

# Addresses learnt from answers: address -> { expires, names }. Refilled into the sets after a
# policy change, so only names still allowed keep their addresses.
my %learnt;

sub set_elements {
  my ($set, @elements) = @_;
  return @elements ? "add element inet paddock $set { " . join(', ', @elements) . ' }; ' : '';
}

sub apply_policy {
  my ($next) = @_;
  my %previous = %policy;
  %policy = %$next;
  my @gw6 = grep { !/^fe80:/i } @gateways6;
  my $commands = join('', map { "flush set inet paddock $_; " } qw(allow4 allow6 host4 host6 local4 local6 dyn4 dyn6))
    . set_elements('allow4', @{ $policy{nets4} })
    . set_elements('allow6', @{ $policy{nets6} })
    . set_elements('host4', @gateways4, @{ $policy{hosts4} })
    . set_elements('host6', @gw6, @{ $policy{hosts6} })
    . set_elements('local4', @subnets4)
    . set_elements('local6', @subnets6)
    . 'flush chain inet paddock mode; add rule inet paddock mode ' . ($policy{mode} eq 'open' ? 'accept' : 'jump blocked');
  my $now = time;
  my (@again4, @again6);
  for my $address (keys %learnt) {
    my $entry = $learnt{$address};
    next if $entry->{expires} <= $now || !grep { name_allowed($_) } keys %{ $entry->{names} };
    push @{ $address =~ /:/ ? \@again6 : \@again4 }, "$address timeout " . ($entry->{expires} - $now) . 's';
  }
  $commands .= '; ' . set_elements('dyn4', @again4) . set_elements('dyn6', @again6);
  $commands =~ s/;\s*$//;
  if (defined(my $error = nft($commands))) {
    # The sets are as they were: the firewall keeps its last good policy.
    print "paddock-firewall: policy $next->{id} refused: $error\n";
    %policy = %previous;
    return;
  }
  @upstreams = @{ $policy{dns} } ? @{ $policy{dns} } : @engine_resolvers;
  warning('no DNS server is known (no `dns` in the workspace and none in resolv.conf): names will not resolve') unless @upstreams;
  print "paddock-firewall: policy $policy{id} applied ($policy{mode})\n";
}

# Read on HUP, and again every 5 s (a file copied in by hand): it is tiny, and Paddock replaces it whole to steer.
sub load_policy_if_changed {
  my $text;
  if (open(my $fh, '<', $POLICY_FILE)) { local $/; $text = <$fh>; close $fh }
  return if !defined $text || $text eq $policy_text;
  $policy_text = $text;
  apply_policy(parse_policy($text));
}

load_policy_if_changed();
fail("the egress policy was not delivered to $POLICY_FILE; nothing was started") if $policy_text eq '';

# ---- DNS messages -------------------------------------------------------------------------------

my %TYPE_NAMES = (1 => 'A', 2 => 'NS', 5 => 'CNAME', 6 => 'SOA', 12 => 'PTR', 15 => 'MX', 16 => 'TXT', 28 => 'AAAA', 33 => 'SRV', 65 => 'HTTPS', 255 => 'ANY');

# A name at $offset, following compression pointers; returns (name, offset after it).
sub read_name {
  my ($message, $offset) = @_;
  my @labels;
  my $end;
  my $jumps = 0;
  while (1) {
    return () if $offset >= length $message;
    my $length = ord substr($message, $offset, 1);
    if (($length & 0xc0) == 0xc0) {
      return () if $offset + 1 >= length $message || ++$jumps > 20;
      $end //= $offset + 2;
      $offset = unpack('n', substr($message, $offset, 2)) & 0x3fff;
      next;
    }
    if ($length == 0) { $end //= $offset + 1; last }
    return () if $length > 63 || $offset + 1 + $length > length $message;
    push @labels, substr($message, $offset + 1, $length);
    $offset += 1 + $length;
  }
  return (join('.', @labels), $end);
}

sub parse_question {
  my ($message) = @_;
  return () if length $message < 12;
  my ($id, $flags, $questions) = unpack('n n n', $message);
  return () if $questions != 1 || ($flags & 0x8000);
  my ($name, $offset) = read_name($message, 12);
  return () unless defined $offset && $offset + 4 <= length $message;
  my ($type) = unpack('n', substr($message, $offset, 2));
  return ($id, $name, $type, $offset + 4);
}

# Addresses in an answer, with their TTLs, and where each TTL sits (for answers from the cache).
sub parse_answer {
  my ($message) = @_;
  my (undef, undef, $questions, $answers, $authority, $additional) = unpack('n6', $message);
  my $offset = 12;
  for (1 .. $questions) {
    (undef, $offset) = read_name($message, $offset);
    return () unless defined $offset;
    $offset += 4;
  }
  my (@addresses, @ttl_offsets);
  my $min_ttl;
  for my $index (1 .. $answers + $authority + $additional) {
    (undef, $offset) = read_name($message, $offset);
    return () unless defined $offset && $offset + 10 <= length $message;
    my ($type, $class, $ttl, $length) = unpack('n n N n', substr($message, $offset, 10));
    push @ttl_offsets, $offset + 4 unless $type == 41;
    my $data = substr($message, $offset + 10, $length);
    if ($index <= $answers) {
      $min_ttl = $ttl if !defined $min_ttl || $ttl < $min_ttl;
      push @addresses, [inet_ntop(AF_INET, $data), $ttl] if $type == 1 && $length == 4;
      push @addresses, [inet_ntop(AF_INET6, $data), $ttl] if $type == 28 && $length == 16;
    }
    $offset += 10 + $length;
  }
  return (\@addresses, $min_ttl // 0, \@ttl_offsets);
}

sub refusal {
  my ($query, $question_end) = @_;
  my ($id, $flags) = unpack('n n', $query);
  # NXDOMAIN, with the client's recursion-desired bit and the question echoed.
  return pack('n n n n n n', $id, 0x8183 | ($flags & 0x0100), 1, 0, 0, 0) . substr($query, 12, $question_end - 12);
}

# ---- the resolver -------------------------------------------------------------------------------

my $select = IO::Select->new();
my $udp = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 53, Proto => 'udp', ReuseAddr => 1)
  or fail("cannot listen for DNS on 127.0.0.1:53 (udp): $@");
my $tcp = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 53, Proto => 'tcp', Listen => 64, ReuseAddr => 1)
  or fail("cannot listen for DNS on 127.0.0.1:53 (tcp): $@");
$select->add($udp, $tcp);

my %upstream_sockets;
sub upstream_socket {
  my ($server) = @_;
  return $upstream_sockets{$server} //= do {
    my $socket = IO::Socket::IP->new(PeerHost => $server, PeerPort => 53, Proto => 'udp');
    warning("cannot reach DNS server $server: $@") unless $socket;
    $select->add($socket) if $socket;
    $socket;
  };
}

my %pending;   # upstream id -> query state
my %cache;     # "name/type" -> { response, expires, ttl_offsets }
my $next_id = int(rand(65536));

sub remember_answer {
  my ($name, $addresses, $allowed) = @_;
  my $now = time;
  my (@add4, @add6);
  for my $pair (@$addresses) {
    my ($address, $ttl) = @$pair;
    my $keep = $ttl < $ANSWER_TIMEOUT_FLOOR ? $ANSWER_TIMEOUT_FLOOR : $ttl;
    my $entry = $learnt{$address} //= { expires => 0, names => {} };
    $entry->{names}{lc $name} = 1;
    $entry->{expires} = $now + $keep if $now + $keep > $entry->{expires};
    push @{ $address =~ /:/ ? \@add6 : \@add4 }, "$address timeout ${keep}s" if $allowed;
  }
  # Before the answer reaches the agent, so its first packet to the address already passes.
  my $commands = set_elements('dyn4', @add4) . set_elements('dyn6', @add6);
  $commands =~ s/;\s*$//;
  my $error = nft($commands);
  warning("the addresses of $name could not be allowed: $error") if defined $error;
}

sub forget_expired {
  my $now = time;
  for my $address (keys %learnt) { delete $learnt{$address} if $learnt{$address}{expires} < $now - 300 }
  for my $key (keys %cache) { delete $cache{$key} if $cache{$key}{expires} <= $now }
}

sub deliver {
  my ($state, $response) = @_;
  substr($response, 0, 2) = pack('n', $state->{client_id});
  if ($state->{tcp}) {
    my $client = $state->{tcp};
    syswrite($client, pack('n', length $response) . $response);
    $select->remove($client);
    close $client;
  } else {
    $udp->send($response, 0, $state->{peer});
  }
}

sub answer_query {
  my ($query, $peer, $tcp_client, $protocol) = @_;
  my ($id, $name, $type, $question_end) = parse_question($query);
  return unless defined $id;
  my $type_name = $TYPE_NAMES{$type} // "TYPE$type";
  my $allowed = name_allowed($name);
  my $state = { client_id => $id, peer => $peer, tcp => $tcp_client, name => $name, qtype => $type, type => $type_name, allowed => $allowed, protocol => $protocol };
  if (!$allowed && $policy{mode} ne 'open') {
    event(kind => 'dns', name => $name, type => $type_name, address => undef, answers => [], port => 53, protocol => $protocol, verdict => 'blocked', reason => 'not in the allowlist');
    deliver($state, refusal($query, $question_end));
    return;
  }
  my $key = lc($name) . "/$type";
  my $cached = $cache{$key};
  my $now = time;
  if ($cached && $cached->{expires} > $now) {
    my $response = $cached->{response};
    for my $offset (@{ $cached->{ttl_offsets} }) {
      my $ttl = unpack('N', substr($response, $offset, 4));
      my $left = $ttl - ($now - $cached->{stored});
      substr($response, $offset, 4) = pack('N', $left > 0 ? $left : 0);
    }
    event(kind => 'dns', name => $name, type => $type_name, address => $cached->{addresses}[0], answers => $cached->{addresses}, port => 53, protocol => $protocol, verdict => 'allowed');
    deliver($state, $response);
    return;
  }
  $next_id = ($next_id + 1) % 65536;
  $state->{sent} = $now;
  $state->{query} = $query;
  $state->{server_index} = 0;
  $pending{$next_id} = $state;
  send_upstream($next_id);
}

sub send_upstream {
  my ($upstream_id) = @_;
  my $state = $pending{$upstream_id};
  my $server = $upstreams[$state->{server_index}];
  my $socket = defined $server ? upstream_socket($server) : undef;
  if (!$socket) {
    delete $pending{$upstream_id};
    event(kind => 'dns', name => $state->{name}, type => $state->{type}, address => undef, answers => [], port => 53, protocol => $state->{protocol}, verdict => 'allowed', reason => 'no DNS server answered');
    return;
  }
  my $query = $state->{query};
  substr($query, 0, 2) = pack('n', $upstream_id);
  $state->{sent} = time;
  $socket->send($query);
}

sub upstream_answer {
  my ($response) = @_;
  return if length $response < 12;
  my ($upstream_id) = unpack('n', $response);
  my $state = delete $pending{$upstream_id} or return;
  my ($addresses, $min_ttl, $ttl_offsets) = parse_answer($response);
  $addresses //= [];
  remember_answer($state->{name}, $addresses, $state->{allowed}) if @$addresses;
  my $rcode = unpack('n', substr($response, 2, 2)) & 0xf;
  my @answers = map { $_->[0] } @$addresses;
  if ($rcode == 0 && @answers && $min_ttl > 0 && !(unpack('n', substr($response, 2, 2)) & 0x0200)) {
    %cache = () if keys %cache >= $CACHE_LIMIT;
    $cache{ lc($state->{name}) . "/$state->{qtype}" } = { response => $response, stored => time, expires => time + $min_ttl, ttl_offsets => $ttl_offsets, addresses => \@answers };
  }
  event(kind => 'dns', name => $state->{name}, type => $state->{type}, address => $answers[0], answers => \@answers, port => 53, protocol => $state->{protocol}, verdict => 'allowed');
  deliver($state, $response);
}

sub retry_stale {
  my $now = time;
  for my $upstream_id (keys %pending) {
    my $state = $pending{$upstream_id};
    next if $now - $state->{sent} < $UPSTREAM_TIMEOUT;
    $state->{server_index}++;
    if ($state->{server_index} >= @upstreams || $state->{server_index} > 3) {
      delete $pending{$upstream_id};
      event(kind => 'dns', name => $state->{name}, type => $state->{type}, address => undef, answers => [], port => 53, protocol => $state->{protocol}, verdict => 'allowed', reason => 'no DNS server answered');
      if ($state->{tcp}) { $select->remove($state->{tcp}); close $state->{tcp} }
      next;
    }
    send_upstream($upstream_id);
  }
}

my %tcp_buffers;
sub tcp_readable {
  my ($client) = @_;
  my $read = sysread($client, my $chunk, 65535);
  if (!$read) { $select->remove($client); delete $tcp_buffers{$client}; close $client; return }
  $tcp_buffers{$client} .= $chunk;
  my $buffer = $tcp_buffers{$client};
  return if length $buffer < 2;
  my $length = unpack('n', $buffer);
  return if length $buffer < 2 + $length;
  delete $tcp_buffers{$client};
  answer_query(substr($buffer, 2, $length), undef, $client, 'tcp');
}

# ---- refused connections ------------------------------------------------------------------------

open(my $trace, '-|', 'nft', 'monitor', 'trace') or fail("cannot follow nft traces: $!");
my $trace_buffer = '';
$select->add($trace);

my %PROTOCOL_NAMES = (1 => 'icmp', 6 => 'tcp', 17 => 'udp', 58 => 'ipv6-icmp', 132 => 'sctp', 33 => 'dccp');

sub trace_line {
  my ($line) = @_;
  return unless $line =~ /inet paddock blocked packet: /;
  my ($address) = $line =~ /\bip6? daddr (\S+)/;
  my ($protocol) = $line =~ /\b(?:ip protocol|ip6 nexthdr) (\S+)/;
  # Without /etc/protocols (a minbase image) nft prints numbers.
  $protocol = $PROTOCOL_NAMES{$protocol} // $protocol if defined $protocol;
  my ($port) = $line =~ /\b(?:tcp|udp|sctp|dccp) dport (\d+)/;
  return unless defined $address;
  my $learnt = $learnt{$address};
  my ($name) = $learnt ? sort keys %{ $learnt->{names} } : ();
  event(kind => 'connect', name => $name, address => $address, port => $port, protocol => $protocol // 'ip', verdict => 'blocked');
}

# ---- ready --------------------------------------------------------------------------------------

# The search and option lines stay; only the servers change.
{
  open(my $in, '<', '/etc/resolv.conf') or fail("cannot read /etc/resolv.conf: $!");
  my @kept = grep { !/^\s*nameserver\s/ } <$in>;
  close $in;
  # In place: the file is the engine's bind mount, shared with the agent's container.
  open(my $out, '+<', '/etc/resolv.conf') or fail("cannot write /etc/resolv.conf: $!");
  truncate($out, 0);
  print $out "nameserver 127.0.0.1\n", @kept;
  close $out;
}
{ open(my $ready, ">", $READY_FILE) or fail("cannot write $READY_FILE: $!"); close $ready }
print "$READY_LINE (nft)\n";

my $last_tick = 0;
while (1) {
  # Once a second at most when idle: retries of lost upstream queries need no finer clock, and a
  # new policy comes with a HUP, which ends the wait at once.
  for my $handle ($select->can_read(1)) {
    if ($handle == $udp) {
      my $peer = $udp->recv(my $query, 65535);
      answer_query($query, $peer, undef, 'udp') if defined $peer && length $query;
    } elsif ($handle == $tcp) {
      my $client = $tcp->accept;
      $select->add($client) if $client;
    } elsif ($handle == $trace) {
      # sysread, not <>: a buffered read could keep lines back from select until more arrive.
      my $read = sysread($trace, my $chunk, 65536);
      next if !defined $read && $!{EINTR};
      fail('nft monitor stopped; the firewall stops (fail closed)') unless $read;
      $trace_buffer .= $chunk;
      while ($trace_buffer =~ s/^([^\n]*)\n//) { trace_line($1) }
    } elsif (grep { defined $_ && $handle == $_ } values %upstream_sockets) {
      my $from = $handle->recv(my $response, 65535);
      upstream_answer($response) if defined $from && defined $response && length $response;
    } else {
      tcp_readable($handle);
    }
  }
  if ($reload) { $reload = 0; load_policy_if_changed() }
  my $now = time;
  next if $now == $last_tick;
  $last_tick = $now;
  load_policy_if_changed() if $now % 5 == 0;
  retry_stale();
  forget_expired() if $now % 30 == 0;
}
