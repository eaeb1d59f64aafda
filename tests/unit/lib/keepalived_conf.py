# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived.conf read back the way keepalived reads it, as a block tree, and the tree the
director role's templates must render for a director view.

``parse(text)`` follows keepalived's reader (lib/parser.c read_line, decomment,
alloc_strvec_r; the same in 2.2.7 and 2.3.3):

* the file is read with fgets() into a 1024-byte buffer: a physical line longer than 1022
  bytes (plus its newline) is read as several lines, each a statement of its own;
* a NUL byte ends the line (C string);
* ``#`` or ``!`` outside double quotes starts a comment to the end of the line; ``\\#`` and
  ``\\!`` outside quotes are a literal ``#`` and ``!``;
* a ``{`` or ``}`` outside quotes ends the line: the brace is a line of its own and what follows
  it another line;
* words are separated by blanks (space, tab, \\f, \\n, \\r, \\v); ``"`` starts a word that ends at
  the next ``"`` (no escapes) and may hold blanks, braces, ``#`` and ``!``;
* a line starting ``@`` (conditional), ``$`` (definition), ``~`` (sequence) or ``include`` is
  an instruction to the reader. The role never writes one: :class:`ConfError`.

Whatever keepalived would report as a syntax error (an unmatched quote, an extra ``}``, a block
left open) is a :class:`ConfError` too. The result is a list of :class:`Node`: ``words`` (the
tuple of words of the statement) and ``children`` (None, or the nodes of its ``{ }`` block).

``expected_tree(view, variables)`` builds, from the model's director view and the role's
variables, the tree keepalived.conf must have, taking each model field as one word (or as the
words its keepalived keyword takes). ``diff(parsed, expected)`` names the first difference.
A rendered file whose tree equals the expected tree kept every value in its place: no field
added, closed or moved a block, a statement or a word.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

BUFFER = 1024  # lib/parser.h MAXBUF: fgets() reads at most BUFFER - 1 bytes
BLANKS = b' \t\f\n\r\v'


class ConfError(ValueError):
    """What keepalived would report as a syntax error, or a reader instruction the role never writes."""


class Node(object):
    __slots__ = ('words', 'children', 'line')

    def __init__(self, words, children=None, line=0):
        self.words = tuple(words)
        self.children = children
        self.line = line

    def __eq__(self, other):
        return isinstance(other, Node) and self.words == other.words and self.children == other.children

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.words)

    def __repr__(self):
        if self.children is None:
            return 'Node(%r)' % (self.words,)
        return 'Node(%r, %r)' % (self.words, self.children)

    @property
    def keyword(self):
        return self.words[0] if self.words else None


def _chunks(data):
    """Physical lines as fgets(buf, 1024) returns them: (line number, bytes without the newline)."""
    number = 0
    for raw in data.split(b'\n'):
        number += 1
        rest = raw + b'\n'
        while rest:
            chunk, rest = rest[:BUFFER - 1], rest[BUFFER - 1:]
            chunk = chunk.split(b'\0', 1)[0]
            yield number, chunk.rstrip(b'\r\n')


def _decomment(line):
    """lib/parser.c decomment(): leading blanks, comments and the escaping of # and ! removed."""
    line = line.lstrip(b' \t')
    out = bytearray()
    quote = False
    pos = 0
    while pos < len(line):
        char = line[pos:pos + 1]
        if char == b'"':
            quote = not quote
        elif char == b'\\' and pos + 1 < len(line):
            nxt = line[pos + 1:pos + 2]
            if not quote and nxt in (b'#', b'!'):
                out += nxt
            else:
                out += char + nxt
            pos += 2
            continue
        elif char in (b'#', b'!') and not quote:
            break
        out += char
        pos += 1
    if quote:
        raise ConfError('unterminated quote in %r' % bytes(line))
    return bytes(out).rstrip(b' \t')


def _split_brace(line):
    """(line before the first brace outside quotes, [brace, residue]) as read_line splits it."""
    if line[:1] in (b'{', b'}'):
        rest = line[1:].lstrip(b' \t')
        return line[:1], [rest] if rest else []
    pos = 0
    while True:
        found = [i for i in (line.find(b'{', pos), line.find(b'}', pos), line.find(b'"', pos)) if i >= 0]
        if not found:
            return line, []
        pos = min(found)
        if line[pos:pos + 1] == b'"':
            end = line.find(b'"', pos + 1)
            if end < 0:
                return line, []
            pos = end + 1
            continue
        return line[:pos].rstrip(b' \t'), [line[pos:].rstrip(b' \t')]


def _words(line):
    """lib/parser.c alloc_strvec_r(): blank-separated words, "quoted" words without their quotes."""
    words = []
    pos = 0
    while True:
        while pos < len(line) and line[pos:pos + 1] in BLANKS:
            pos += 1
        if pos >= len(line):
            return words
        if line[pos:pos + 1] == b'"':
            end = line.find(b'"', pos + 1)
            if end < 0:
                raise ConfError('unmatched quote in %r' % line)
            words.append(line[pos + 1:end])
            pos = end + 1
        else:
            end = pos
            while end < len(line) and line[end:end + 1] not in BLANKS and line[end:end + 1] != b'"':
                end += 1
            words.append(line[pos:end])
            pos = end


def lines(text):
    """[(line number, words)] of ``text`` (str or bytes) as keepalived reads them; braces are ('{',)."""
    data = text.encode('utf-8', 'surrogateescape') if not isinstance(text, bytes) else text
    result = []
    for number, chunk in _chunks(data):
        pending = [_decomment(chunk)]
        while pending:
            line = pending.pop(0)
            if not line:
                continue
            if line[:1] in (b'@', b'$', b'~') or line.startswith(b'include'):
                raise ConfError('line %d: reader instruction %r' % (number, line))
            head, rest = _split_brace(line)
            pending = rest + pending
            words = _words(head)
            if words:
                result.append((number, tuple(w.decode('utf-8', 'surrogateescape') for w in words)))
    return result


def parse(text):
    """The block tree of a keepalived.conf text: a list of :class:`Node`."""
    root = []
    stack = [root]
    last = None
    for number, words in lines(text):
        if words == ('{',):
            if last is None or last.children is not None:
                raise ConfError('line %d: "{" without a statement to open' % number)
            last.children = []
            stack.append(last.children)
            last = None
        elif words == ('}',):
            if len(stack) == 1:
                raise ConfError('line %d: extra "}"' % number)
            stack.pop()
            last = None
        else:
            last = Node(words, line=number)
            stack[-1].append(last)
    if len(stack) != 1:
        raise ConfError('a block is not closed at the end of the file')
    return root


def diff(parsed, expected, path=''):
    """The first difference between two trees (a sentence), or None."""
    for index in range(max(len(parsed), len(expected))):
        if index >= len(parsed):
            return '%s: statement %r missing' % (path or 'top', expected[index].words)
        if index >= len(expected):
            return '%s: unexpected statement %r (line %d)' % (path or 'top', parsed[index].words, parsed[index].line)
        got, want = parsed[index], expected[index]
        where = '%s/%s' % (path, ' '.join(want.words))
        if got.words != want.words:
            return '%s: line %d has %r, expected %r' % (path or 'top', got.line, got.words, want.words)
        if (got.children is None) != (want.children is None):
            return '%s: %s a block' % (where, 'opens' if got.children is not None else 'does not open')
        if got.children is not None:
            found = diff(got.children, want.children, where)
            if found:
                return found
    return None


# --- the tree the templates must render --------------------------------------------------------

def word(value):
    """A value as ``{{ value }}`` writes it (Jinja2: str())."""
    return value if isinstance(value, str) else str(value)


def _n(*words, **kwargs):
    return Node([word(w) for w in words], kwargs.get('children'))


def _global_defs(s):
    body = [_n('router_id', s['router_id'])]
    if s['notification_emails']:
        body.append(_n('notification_email', children=[_n(e) for e in sorted(s['notification_emails'])]))
    if s['notification_email_from']:
        body.append(_n('notification_email_from', s['notification_email_from']))
    if s['smtp_server']:
        body.append(_n('smtp_server', s['smtp_server']))
        body.append(_n('smtp_connect_timeout', s['smtp_connect_timeout']))
    if s['smtp_alert']:
        body.append(_n('smtp_alert'))
    if s['vrrp_mcast_group4']:
        body.append(_n('vrrp_mcast_group4', s['vrrp_mcast_group4']))
    body.append(_n('vrrp_version', s['vrrp_version']))
    if s['vrrp_strict']:
        body.append(_n('vrrp_strict'))
    if s['vrrp_skip_check_adv_addr']:
        body.append(_n('vrrp_skip_check_adv_addr'))
    body.append(_n('vrrp_garp_master_delay', s['vrrp_garp_master_delay']))
    body.append(_n('vrrp_garp_master_repeat', s['vrrp_garp_master_repeat']))
    if s['vrrp_garp_master_refresh']:
        body.append(_n('vrrp_garp_master_refresh', s['vrrp_garp_master_refresh']))
    body.append(_n('vrrp_garp_lower_prio_repeat', s['vrrp_garp_lower_prio_repeat']))
    body.append(_n('vrrp_garp_lower_prio_delay', s['vrrp_garp_lower_prio_delay']))
    if s['enable_script_security']:
        body.append(_n('enable_script_security'))
    body.append(_n('script_user', s['script_user']))
    sync = s['lvs_sync_daemon']
    if sync:
        words = ['lvs_sync_daemon', sync['interface'], 'inst', sync['instance']]
        if 'id' in sync:
            words += ['id', sync['id']]
        body.append(_n(*words))
    timeouts = s['lvs_timeouts']
    if timeouts:
        words = ['lvs_timeouts']
        for key in ('tcp', 'tcpfin', 'udp'):
            if key in timeouts:
                words += [key, timeouts[key]]
        body.append(_n(*words))
    return _n('global_defs', children=body)


def _vrrp_script(script):
    body = [_n('script', script['script']), _n('interval', script['interval'])]
    for key in ('timeout', 'weight', 'rise', 'fall'):
        if key in script:
            body.append(_n(key, script[key]))
    if 'user' in script:
        body.append(_n('user', script['user']))
    return _n('vrrp_script', script['name'], children=body)


def _vip(vip):
    words = ['%s/%s' % (vip['address'], vip['prefix']), 'dev', vip['dev']]
    if vip.get('label'):
        words += ['label', vip['label']]
    return _n(*words)


def _instance(inst, v):
    body = [_n('state', inst['state']), _n('interface', inst['interface']),
            _n('virtual_router_id', inst['virtual_router_id']), _n('priority', inst['priority']),
            _n('advert_int', inst['advert_int']), _n('version', inst['version'])]
    if inst['nopreempt']:
        body.append(_n('nopreempt'))
    for key in ('preempt_delay', 'garp_master_delay', 'garp_master_refresh'):
        if inst[key] is not None:
            body.append(_n(key, inst[key]))
    if inst['auth_pass']:
        body.append(_n('authentication', children=[_n('auth_type', inst['auth_type']),
                                                   _n('auth_pass', inst['auth_pass'])]))
    if inst['unicast_peers']:
        body.append(_n('unicast_src_ip', inst['unicast_src_ip']))
        body.append(_n('unicast_peer', children=[_n(p) for p in inst['unicast_peers']]))
    body.append(_n('virtual_ipaddress', children=[_vip(x) for x in inst['vips']]))
    if inst['vips_excluded']:
        body.append(_n('virtual_ipaddress_excluded', children=[_vip(x) for x in inst['vips_excluded']]))
    if inst['track_interfaces']:
        body.append(_n('track_interface', children=[_n(x) for x in inst['track_interfaces']]))
    if inst['track_scripts']:
        body.append(_n('track_script', children=[_n(x) for x in inst['track_scripts']]))
    s = v['director_view']['settings']
    if s['handover']:
        files = [_n('lvs_handover')] + ([_n('lvs_pin')] if v['director_pinnable'] else [])
        body.append(_n('track_file', children=files))
    if inst['state_hook'] and s['vrrp_state_dir']:
        body.append(_n('notify', '%s/lvs-vrrp-notify %s' % (s['libexec_dir'], s['vrrp_state_dir'])))
    for key in ('notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify'):
        if inst[key]:
            body.append(_n(key, inst[key]))
    return _n('vrrp_instance', inst['name'], children=body)


def _quoted_extra(value):
    text = word(value)
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    return text


def _checker(checker):
    body = [_n(key, value) for key, value in checker['options']]
    for key, value in checker['extra']:
        if value is None:
            body.append(_n(key))
        elif key in ('misc_path',):
            body.append(_n(key, _quoted_extra(value)))
        elif key in ('payload', 'require_reply'):
            body.append(_n(key, *word(value).split()))
        else:
            body.append(_n(key, value))
    for url in checker['urls']:
        ubody = [_n('path', url['path'])]
        for key in ('status_code', 'digest', 'virtualhost'):
            if key in url:
                ubody.append(_n(key, *(word(url[key]).split() if key == 'status_code' else [url[key]])))
        body.append(_n('url', children=ubody))
    return _n(checker['type'], children=body)


def _virtual_server(vs):
    if vs['fwmark'] is not None:
        head = ['virtual_server', 'fwmark', vs['fwmark']]
        body = [_n('ip_family', 'inet6')] if vs['ipv6'] else []
    else:
        head = ['virtual_server', vs['vip'], vs['port']]
        body = [_n('protocol', vs['protocol'])]
    body += [_n('lvs_sched', vs['scheduler']), _n('lvs_method', vs['method'])]
    body += [_n(flag) for flag in vs['scheduler_flags']]
    for key in ('delay_loop', 'persistence_timeout'):
        if vs[key] is not None:
            body.append(_n(key, vs[key]))
    if vs['persistence_granularity']:
        body.append(_n('persistence_granularity', vs['persistence_granularity']))
    for key in ('quorum', 'hysteresis'):
        if vs[key] is not None:
            body.append(_n(key, vs[key]))
    for key in ('quorum_up', 'quorum_down'):
        if vs[key]:
            body.append(_n(key, vs[key]))
    if vs['virtualhost']:
        body.append(_n('virtualhost', vs['virtualhost']))
    for key in ('alpha', 'omega', 'ha_suspend', 'inhibit_on_failure'):
        if vs[key]:
            body.append(_n(key))
    sorry = vs['sorry_server']
    if sorry:
        body.append(_n('sorry_server', sorry['address'], sorry['port']))
        if sorry['method']:
            body.append(_n('sorry_server_lvs_method', sorry['method']))
        if sorry['inhibit']:
            body.append(_n('sorry_server_inhibit'))
    for rs in vs['real_servers']:
        rbody = [_n('weight', rs['weight'])]
        if rs['inhibit_on_failure']:
            rbody.append(_n('inhibit_on_failure'))
        for key in ('notify_up', 'notify_down'):
            if rs[key]:
                rbody.append(_n(key, rs[key]))
        if rs['checker']:
            rbody.append(_checker(rs['checker']))
        if rs['weight'] > 0:
            # the drain file of playbooks/drain.yml: weight minus its own while it holds 1
            rbody.append(_n('FILE_CHECK', children=[_n('track_file', 'lvs_drain_' + rs['address']),
                                                    _n('weight', -rs['weight'])]))
        body.append(_n('real_server', rs['address'], rs['port'], children=rbody))
    return _n(*head, children=body)


def expected_tree(view, variables):
    """The tree keepalived.conf must have for ``view`` (model.director_view; the role variables it
    renders are ``view['settings']``) and ``variables`` (keepalived_render.context: director_pinnable,
    director_handover_pin_file)."""
    v = dict(variables, director_view=view)
    s = view['settings']
    tree = [_global_defs(s)]
    tree += [_vrrp_script(script) for script in s['vrrp_scripts']]
    if s['handover'] and view['instances']:
        tree.append(_n('track_file', 'lvs_handover', children=[
            _n('file', s['handover_file']), _n('weight', 0), _n('init_file', 0)]))
        if v['director_pinnable']:
            tree.append(_n('track_file', 'lvs_pin', children=[
                _n('file', v['director_handover_pin_file']), _n('weight', -253), _n('init_file', 0)]))
    drained = sorted({rs['address'] for vs in view['virtual_servers'] for rs in vs['real_servers'] if rs['weight'] > 0})
    tree += [_n('track_file', 'lvs_drain_' + address, children=[
        _n('file', '%s/%s' % (s.get('drain_dir', '/var/lib/lvs-cluster/drain'), address)), _n('init_file', 0)])
        for address in drained]
    tree += [_n('vrrp_sync_group', g['name'], children=[_n('group', children=[_n(m) for m in g['instances']])])
             for g in view['sync_groups']]
    tree += [_instance(inst, v) for inst in view['instances']]
    tree += [_virtual_server(vs) for vs in view['virtual_servers']]
    return tree


def find(nodes, *words):
    """The nodes among ``nodes`` whose words start with ``words``."""
    return [n for n in nodes if n.words[:len(words)] == tuple(words)]
