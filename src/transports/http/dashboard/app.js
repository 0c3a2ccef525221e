/* global window, document, sessionStorage, fetch, btoa, setTimeout, clearTimeout */
// Warren dashboard: a small hash-routed single page over the management API. Credentials
// live in sessionStorage (basic auth header); pages re-render every 2 s from fresh data.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const KEY = 'warren.auth';
  const POLL_MS = 2000;
  // A queue page's charts: the last 10 minutes in 5 s steps (RabbitMQ's UI default).
  const QUEUE_SERIES = '?lengths_age=600&lengths_incr=5&msg_rates_age=600&msg_rates_incr=5';
  const state = { sort: {}, filter: {}, timer: 0, page: '', vhost: '', jobs: {} };

  function esc(v) {
    return String(v === undefined || v === null ? '' : v).replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  }
  const num = (v) => (typeof v === 'number' ? v.toLocaleString('en-US') : '0');
  const rate = (o, k) => (o && o[k + '_details'] ? o[k + '_details'].rate : 0);
  const fmtRate = (v) => (Math.round((v || 0) * 10) / 10).toLocaleString('en-US');
  const enc = encodeURIComponent;

  async function api(method, path, body) {
    const res = await fetch('/api' + path, {
      method: method,
      headers: {
        authorization: 'Basic ' + sessionStorage.getItem(KEY),
        'content-type': 'application/json',
        'x-warren-dashboard': '1',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && path !== '/whoami') {
      logout();
      throw new Error('signed out');
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error((data && data.reason) || res.statusText);
    return data;
  }

  function toast(text, bad) {
    const t = $('toast');
    t.textContent = text;
    t.className = 'toast' + (bad ? ' bad' : '');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => t.classList.add('hidden'), 3500);
  }

  function confirmDialog(title, text) {
    return new Promise((resolve) => {
      $('modal-title').textContent = title;
      $('modal-text').textContent = text;
      $('modal').classList.remove('hidden');
      const done = (v) => {
        $('modal').classList.add('hidden');
        $('modal-ok').onclick = null;
        $('modal-cancel').onclick = null;
        resolve(v);
      };
      $('modal-ok').onclick = () => done(true);
      $('modal-cancel').onclick = () => done(false);
    });
  }

  // ---- tables with sorting and filtering ----
  function table(id, columns, rows, opts) {
    const o = opts || {};
    const filter = (state.filter[id] || '').toLowerCase();
    const sort = state.sort[id] || { key: columns[0].key, dir: 1 };
    let shown = rows.filter(
      (r) => !filter || columns.some((c) => String(c.get(r)).toLowerCase().includes(filter)),
    );
    const col = columns.find((c) => c.key === sort.key) || columns[0];
    shown = shown.slice().sort((a, b) => {
      const x = col.get(a);
      const y = col.get(b);
      return (
        (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) *
        sort.dir
      );
    });
    const head = columns
      .map(
        (c) =>
          '<th data-table="' +
          id +
          '" data-key="' +
          c.key +
          '" class="' +
          (c.num ? 'num' : '') +
          '">' +
          esc(c.label) +
          (sort.key === c.key ? '<span class="arrow">' + (sort.dir > 0 ? '▲' : '▼') + '</span>' : '') +
          '</th>',
      )
      .join('');
    const body =
      shown.length === 0
        ? '<tr><td class="empty" colspan="' +
          columns.length +
          '">' +
          (rows.length === 0 ? 'Nothing here yet' : 'No match for the filter') +
          '</td></tr>'
        : shown
            .map(
              (r) =>
                '<tr' +
                (o.link ? ' class="link" data-href="' + esc(o.link(r)) + '"' : '') +
                '>' +
                columns
                  .map(
                    (c) =>
                      '<td class="' +
                      (c.num ? 'num' : '') +
                      '">' +
                      (c.html ? c.html(r) : esc(c.num ? num(c.get(r)) : c.get(r))) +
                      '</td>',
                  )
                  .join('') +
                '</tr>',
            )
            .join('');
    return (
      '<div class="card"><div class="card-head"><h2>' +
      esc(o.title || '') +
      ' <span class="muted">(' +
      shown.length +
      ')</span></h2>' +
      '<input class="filter" data-filter="' +
      id +
      '" placeholder="Filter…" value="' +
      esc(state.filter[id] || '') +
      '"></div>' +
      '<div class="table-wrap"><table id="table-' +
      id +
      '"><thead><tr>' +
      head +
      '</tr></thead><tbody>' +
      body +
      '</tbody></table></div></div>'
    );
  }

  function stat(label, value, unit, id) {
    return (
      '<div class="card card-pad stat"' +
      (id ? ' id="' + id + '"' : '') +
      '><div class="label">' +
      esc(label) +
      '</div><div class="value">' +
      esc(value) +
      (unit ? '<span class="unit">' + esc(unit) + '</span>' : '') +
      '</div></div>'
    );
  }

  function chartCard(id, title, series) {
    return (
      '<div class="card"><div class="card-head"><h2>' +
      esc(title) +
      '</h2><div class="legend">' +
      series
        .map((s) => '<span><i style="background:' + s.color + '"></i>' + esc(s.label) + '</span>')
        .join('') +
      '</div></div><div class="chart-wrap"><canvas id="' +
      id +
      '"></canvas></div></div>'
    );
  }

  const C = { c1: '#4f46e5', c2: '#0ea5e9', c3: '#10b981', c4: '#f59e0b' };

  // ---- pages ----
  async function overviewPage(main) {
    const o = await api('GET', '/overview');
    // The charts' past hour is kept by the server (it survives reloads and late logins).
    const history = (await api('GET', '/overview/history?age=3600&points=360')).samples;
    const q = o.queue_totals;
    const m = o.message_stats;
    const t = o.object_totals;
    main.innerHTML =
      '<div class="page-head"><div><h1>Overview</h1><div class="sub muted">' +
      esc(o.product_name + ' ' + o.product_version + ' · node ' + o.node) +
      '</div></div></div>' +
      '<div class="grid stats">' +
      stat('Ready', num(q.messages_ready), '', 'stat-ready') +
      stat('Unacked', num(q.messages_unacknowledged)) +
      stat('Total', num(q.messages)) +
      stat('Publish', fmtRate(rate(m, 'publish')), '/s') +
      stat('Deliver', fmtRate(rate(m, 'deliver_get')), '/s') +
      stat('Ack', fmtRate(rate(m, 'ack')), '/s') +
      '</div>' +
      '<div class="grid charts">' +
      chartCard('chart-rates', 'Message rates', [
        { label: 'Publish', color: C.c1 },
        { label: 'Deliver', color: C.c2 },
        { label: 'Ack', color: C.c3 },
      ]) +
      chartCard('chart-depth', 'Queued messages', [
        { label: 'Ready', color: C.c1 },
        { label: 'Unacked', color: C.c4 },
      ]) +
      '</div>' +
      '<div class="grid stats">' +
      stat('Connections', num(t.connections)) +
      stat('Channels', num(t.channels)) +
      stat('Queues', num(t.queues)) +
      stat('Exchanges', num(t.exchanges)) +
      stat('Consumers', num(t.consumers)) +
      '</div>';
    const times = history.map((h) => h.t);
    const pick = (f) => history.map((h) => h[f]);
    $('chart-rates').dataset.points = String(history.length);
    window.WarrenCharts.drawChart($('chart-rates'), times, [
      { color: C.c1, values: pick('publish_rate') },
      { color: C.c2, values: pick('deliver_get_rate') },
      { color: C.c3, values: pick('ack_rate') },
    ]);
    window.WarrenCharts.drawChart(
      $('chart-depth'),
      times,
      [
        { color: C.c1, values: pick('messages_ready') },
        { color: C.c4, values: pick('messages_unacknowledged') },
      ],
      { area: true },
    );
  }

  // A column showing its value as code.
  const codeColumn = (key, label, get) => ({
    key,
    label,
    get,
    html: (r) => '<code>' + esc(get(r)) + '</code>',
  });

  // A page listing the API's objects at /<id> (of the selected vhost) in one table, with an
  // optional form card above it. The head and the form are built once per visit (so typing is
  // not wiped by the 2 s refresh); only the table is re-rendered.
  const PER_VHOST = { queues: true, exchanges: true, bindings: true, consumers: true, policies: true };
  const listPage = (heading, id, columns, opts) => async (main) => {
    const o = opts || {};
    const vhost = state.vhost;
    const path = '/' + id + (vhost && PER_VHOST[id] ? '/' + enc(vhost) : '');
    let rows = await api('GET', path);
    if (vhost && !PER_VHOST[id] && rows.length && rows[0].vhost !== undefined)
      rows = rows.filter((r) => r.vhost === vhost);
    if (main.dataset.list !== id) {
      main.dataset.list = id;
      main.innerHTML =
        '<div class="page-head"><h1>' +
        heading +
        '</h1></div>' +
        (o.form ? o.form.html() : '') +
        '<div id="list-body"></div>';
      if (o.form) o.form.bind();
    }
    $('list-body').innerHTML = table(id, columns, rows, o);
  };

  /** The vhost forms default to: the selected one, else '/'. */
  const formVhost = () => state.vhost || '/';

  /** Runs an API action from a button or form; a toast says how it went. */
  async function act(fn, done) {
    try {
      await fn();
      toast(done);
      render();
    } catch (e) {
      toast(e.message, true);
    }
  }

  /** A card holding one form: `fields` are raw HTML, `id` names the form. */
  const formCard = (title, id, fields, button) =>
    '<div class="card card-pad form-card"><h2>' +
    esc(title) +
    '</h2><form id="' +
    id +
    '" class="form-row wrap">' +
    fields +
    '<button class="btn btn-primary" type="submit">' +
    esc(button) +
    '</button></form></div>';

  /** Binds a form's submit to `fn(values)`; values are the named inputs' values. */
  function onForm(id, fn, done) {
    $(id).onsubmit = (ev) => {
      ev.preventDefault();
      const values = {};
      $(id)
        .querySelectorAll('[name]')
        .forEach((el) => (values[el.name] = el.type === 'checkbox' ? el.checked : el.value));
      act(() => fn(values), done);
    };
  }

  /** A button in a table row; clicks are handled by data-action (see ACTIONS). */
  const rowButton = (label, action, data, danger) =>
    '<button class="btn btn-sm' +
    (danger ? ' btn-danger' : '') +
    '" data-action="' +
    action +
    '"' +
    Object.keys(data)
      .map((k) => ' data-' + k + '="' + esc(data[k]) + '"')
      .join('') +
    '>' +
    esc(label) +
    '</button>';

  const ACTIONS = {
    'delete-queue': (d) =>
      act(() => api('DELETE', '/queues/' + enc(d.vhost) + '/' + enc(d.name)), 'Queue deleted'),
    'delete-exchange': (d) =>
      act(() => api('DELETE', '/exchanges/' + enc(d.vhost) + '/' + enc(d.name)), 'Exchange deleted'),
    'delete-binding': (d) =>
      act(
        () =>
          api(
            'DELETE',
            '/bindings/' +
              enc(d.vhost) +
              '/e/' +
              enc(d.source) +
              '/' +
              d.kind +
              '/' +
              enc(d.dest) +
              '/' +
              enc(d.props),
          ),
        'Binding deleted',
      ),
    'close-connection': (d) => act(() => api('DELETE', '/connections/' + enc(d.name)), 'Connection closed'),
    'delete-user': (d) => act(() => api('DELETE', '/users/' + enc(d.name)), 'User deleted'),
    'delete-vhost': (d) => act(() => api('DELETE', '/vhosts/' + enc(d.name)), 'Vhost deleted'),
    'clear-permission': (d) =>
      act(() => api('DELETE', '/permissions/' + enc(d.vhost) + '/' + enc(d.user)), 'Permissions cleared'),
    'delete-policy': (d) =>
      act(() => api('DELETE', '/policies/' + enc(d.vhost) + '/' + enc(d.name)), 'Policy deleted'),
  };

  async function fillVhostSelect() {
    const select = $('vhost-select');
    const vhosts = await api('GET', '/vhosts');
    const names = vhosts.map((v) => v.name);
    if (state.vhost && !names.includes(state.vhost)) state.vhost = '';
    select.innerHTML =
      '<option value="">All vhosts</option>' +
      names
        .map(
          (n) =>
            '<option value="' +
            esc(n) +
            '"' +
            (n === state.vhost ? ' selected' : '') +
            '>' +
            esc(n) +
            '</option>',
        )
        .join('');
  }

  const queueHref = (r) => '#/queues/' + enc(r.vhost) + '/' + enc(r.name);

  const queuesPage = listPage(
    'Queues',
    'queues',
    [
      {
        key: 'name',
        label: 'Name',
        get: (r) => r.name,
        html: (r) => '<a href="' + esc(queueHref(r)) + '">' + esc(r.name) + '</a>',
      },
      { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
      {
        key: 'type',
        label: 'Type',
        get: (r) => r.type,
        html: (r) =>
          '<span class="tag ' +
          (r.type === 'quorum' ? '' : 'grey') +
          '">' +
          esc(r.type) +
          '</span>' +
          (r.durable ? ' <span class="tag green">D</span>' : '') +
          (r.exclusive ? ' <span class="tag grey">excl</span>' : ''),
      },
      { key: 'ready', label: 'Ready', num: true, get: (r) => r.messages_ready },
      { key: 'unacked', label: 'Unacked', num: true, get: (r) => r.messages_unacknowledged },
      { key: 'total', label: 'Total', num: true, get: (r) => r.messages },
      { key: 'consumers', label: 'Consumers', num: true, get: (r) => r.consumers },
      {
        key: 'in',
        label: 'In /s',
        num: true,
        get: (r) => rate(r.message_stats, 'publish'),
        html: (r) => fmtRate(rate(r.message_stats, 'publish')),
      },
      {
        key: 'out',
        label: 'Out /s',
        num: true,
        get: (r) => rate(r.message_stats, 'deliver_get'),
        html: (r) => fmtRate(rate(r.message_stats, 'deliver_get')),
      },
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) => rowButton('Delete', 'delete-queue', { vhost: r.vhost, name: r.name }, true),
      },
    ],
    {
      title: 'All queues',
      link: queueHref,
      form: {
        html: () =>
          formCard(
            'Add a queue',
            'form-add-queue',
            '<label>Name<input name="name" required></label><label>Type<select name="type"><option>classic</option><option>quorum</option></select></label>' +
              '<label class="check"><input type="checkbox" name="durable" checked> Durable</label>',
            'Add queue',
          ),
        bind: () =>
          onForm(
            'form-add-queue',
            (v) =>
              api('PUT', '/queues/' + enc(formVhost()) + '/' + enc(v.name), {
                durable: v.durable,
                auto_delete: false,
                arguments: v.type === 'quorum' ? { 'x-queue-type': 'quorum' } : {},
              }),
            'Queue added',
          ),
      },
    },
  );

  const exchangesPage = listPage(
    'Exchanges',
    'exchanges',
    [
      { key: 'name', label: 'Name', get: (r) => r.name || '(AMQP default)' },
      { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
      {
        key: 'type',
        label: 'Type',
        get: (r) => r.type,
        html: (r) => '<span class="tag">' + esc(r.type) + '</span>',
      },
      {
        key: 'flags',
        label: 'Features',
        get: (r) => (r.durable ? 'D ' : '') + (r.auto_delete ? 'AD ' : '') + (r.internal ? 'I' : ''),
      },
      { key: 'bindings', label: 'Bindings', num: true, get: (r) => r.bindings },
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) =>
          r.name === '' || r.name.startsWith('amq.')
            ? ''
            : rowButton('Delete', 'delete-exchange', { vhost: r.vhost, name: r.name }, true),
      },
    ],
    {
      title: 'All exchanges',
      form: {
        html: () =>
          formCard(
            'Add an exchange',
            'form-add-exchange',
            '<label>Name<input name="name" required></label><label>Type<select name="type"><option>direct</option><option>fanout</option><option>topic</option><option>headers</option></select></label>' +
              '<label class="check"><input type="checkbox" name="durable" checked> Durable</label>',
            'Add exchange',
          ) +
          formCard(
            'Publish a message',
            'form-publish-any',
            '<label>Exchange<input name="exchange" placeholder="(empty: the default exchange)"></label><label>Routing key<input name="rk"></label>' +
              '<label class="grow">Payload<input name="payload" value="{}"></label>',
            'Publish',
          ),
        bind: () => {
          onForm(
            'form-add-exchange',
            (v) =>
              api('PUT', '/exchanges/' + enc(formVhost()) + '/' + enc(v.name), {
                type: v.type,
                durable: v.durable,
              }),
            'Exchange added',
          );
          $('form-publish-any').onsubmit = (ev) => {
            ev.preventDefault();
            const f = ev.target;
            const exchange = f.elements.exchange.value || 'amq.default';
            act(async () => {
              const r = await api(
                'POST',
                '/exchanges/' + enc(formVhost()) + '/' + enc(exchange) + '/publish',
                {
                  routing_key: f.elements.rk.value,
                  payload: f.elements.payload.value,
                  payload_encoding: 'string',
                  properties: { content_type: 'application/json' },
                },
              );
              if (!r.routed) throw new Error('Message was not routed');
            }, 'Message published');
          };
        },
      },
    },
  );

  const bindingsPage = listPage(
    'Bindings',
    'bindings',
    [
      { key: 'source', label: 'Source', get: (r) => r.source || '(AMQP default)' },
      { key: 'destination', label: 'Destination', get: (r) => r.destination },
      { key: 'type', label: 'Type', get: (r) => r.destination_type },
      codeColumn('rk', 'Routing key', (r) => r.routing_key),
      { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) =>
          r.source === ''
            ? ''
            : rowButton(
                'Delete',
                'delete-binding',
                {
                  vhost: r.vhost,
                  source: r.source,
                  kind: r.destination_type === 'queue' ? 'q' : 'e',
                  dest: r.destination,
                  props: r.properties_key,
                },
                true,
              ),
      },
    ],
    {
      title: 'All bindings',
      form: {
        html: () =>
          formCard(
            'Add a binding',
            'form-add-binding',
            '<label>From exchange<input name="source" required></label><label>To<select name="kind"><option value="q">queue</option><option value="e">exchange</option></select></label>' +
              '<label>Destination<input name="dest" required></label><label>Routing key<input name="rk"></label>',
            'Bind',
          ),
        bind: () =>
          onForm(
            'form-add-binding',
            (v) =>
              api(
                'POST',
                '/bindings/' + enc(formVhost()) + '/e/' + enc(v.source) + '/' + v.kind + '/' + enc(v.dest),
                { routing_key: v.rk, arguments: {} },
              ),
            'Binding added',
          ),
      },
    },
  );

  const connectionsPage = listPage(
    'Connections',
    'connections',
    [
      { key: 'name', label: 'Client', get: (r) => r.name },
      { key: 'user', label: 'User', get: (r) => r.user },
      { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
      {
        key: 'product',
        label: 'Library',
        get: (r) => (r.client_properties.product || '') + ' ' + (r.client_properties.version || ''),
      },
      { key: 'channels', label: 'Channels', num: true, get: (r) => r.channels },
      {
        key: 'state',
        label: 'State',
        get: (r) => r.state,
        html: (r) => '<span class="tag green">' + esc(r.state) + '</span>',
      },
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) => rowButton('Close', 'close-connection', { name: r.name }, true),
      },
    ],
    { title: 'Open connections' },
  );

  const channelsPage = listPage(
    'Channels',
    'channels',
    [
      { key: 'name', label: 'Channel', get: (r) => r.name },
      { key: 'user', label: 'User', get: (r) => r.user },
      { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
      { key: 'consumers', label: 'Consumers', num: true, get: (r) => r.consumer_count },
      { key: 'unacked', label: 'Unacked', num: true, get: (r) => r.messages_unacknowledged },
      { key: 'prefetch', label: 'Prefetch', num: true, get: (r) => r.prefetch_count },
      { key: 'state', label: 'State', get: (r) => r.state },
    ],
    { title: 'Open channels' },
  );

  const usersPage = listPage(
    'Users',
    'users',
    [
      { key: 'name', label: 'Name', get: (r) => r.name },
      { key: 'tags', label: 'Tags', get: (r) => (r.tags || []).join(', ') },
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) => rowButton('Delete', 'delete-user', { name: r.name }, true),
      },
    ],
    {
      title: 'All users',
      form: {
        html: () =>
          formCard(
            'Add a user',
            'form-add-user',
            '<label>Name<input name="name" required></label><label>Password<input name="password" type="password" required autocomplete="new-password"></label>' +
              '<label>Tags<input name="tags" placeholder="management"></label>',
            'Add user',
          ),
        bind: () =>
          onForm(
            'form-add-user',
            (v) => api('PUT', '/users/' + enc(v.name), { password: v.password, tags: v.tags }),
            'User added',
          ),
      },
    },
  );

  const vhostsPage = listPage(
    'Virtual hosts',
    'vhosts',
    [
      { key: 'name', label: 'Name', get: (r) => r.name },
      { key: 'messages', label: 'Messages', num: true, get: (r) => r.messages },
      { key: 'tracing', label: 'Tracing', get: (r) => (r.tracing ? 'on' : 'off') },
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) => (r.name === '/' ? '' : rowButton('Delete', 'delete-vhost', { name: r.name }, true)),
      },
    ],
    {
      title: 'All vhosts',
      form: {
        html: () =>
          formCard(
            'Add a vhost',
            'form-add-vhost',
            '<label>Name<input name="name" required></label>',
            'Add vhost',
          ),
        bind: () =>
          onForm(
            'form-add-vhost',
            (v) => api('PUT', '/vhosts/' + enc(v.name), {}).then(fillVhostSelect),
            'Vhost added',
          ),
      },
    },
  );

  const permissionsPage = listPage(
    'Permissions',
    'permissions',
    [
      { key: 'user', label: 'User', get: (r) => r.user },
      { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
      codeColumn('configure', 'Configure', (r) => r.configure),
      codeColumn('write', 'Write', (r) => r.write),
      codeColumn('read', 'Read', (r) => r.read),
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) => rowButton('Clear', 'clear-permission', { vhost: r.vhost, user: r.user }, true),
      },
    ],
    {
      title: 'All permissions',
      form: {
        html: () =>
          formCard(
            'Set permissions',
            'form-set-permission',
            '<label>User<input name="user" required></label><label>Configure<input name="configure" value=".*"></label>' +
              '<label>Write<input name="write" value=".*"></label><label>Read<input name="read" value=".*"></label>',
            'Set',
          ),
        bind: () =>
          onForm(
            'form-set-permission',
            (v) =>
              api('PUT', '/permissions/' + enc(formVhost()) + '/' + enc(v.user), {
                configure: v.configure,
                write: v.write,
                read: v.read,
              }),
            'Permissions set',
          ),
      },
    },
  );

  /** A policy's definition from the form: JSON, with a readable error when it is not. */
  function policyDefinition(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error('Definition is not valid JSON: ' + e.message);
    }
  }

  const policiesPage = listPage(
    'Policies',
    'policies',
    [
      { key: 'name', label: 'Name', get: (r) => r.name },
      { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
      codeColumn('pattern', 'Pattern', (r) => r.pattern),
      { key: 'apply', label: 'Apply to', get: (r) => r['apply-to'] },
      codeColumn('definition', 'Definition', (r) => JSON.stringify(r.definition)),
      { key: 'priority', label: 'Priority', num: true, get: (r) => r.priority },
      {
        key: 'actions',
        label: '',
        get: () => '',
        html: (r) => rowButton('Delete', 'delete-policy', { vhost: r.vhost, name: r.name }, true),
      },
    ],
    {
      title: 'User policies',
      form: {
        html: () =>
          formCard(
            'Add or update a policy',
            'form-set-policy',
            '<label>Name<input name="name" required></label><label>Pattern<input name="pattern" required placeholder="^jobs\\."></label>' +
              '<label>Apply to<select name="applyTo"><option value="all">Exchanges and queues</option>' +
              '<option value="queues">Queues</option><option value="exchanges">Exchanges</option></select></label>' +
              '<label>Priority<input name="priority" type="number" value="0"></label>' +
              '<label class="grow">Definition (JSON)<input name="definition" required placeholder=\'{"message-ttl": 60000}\'></label>',
            'Save policy',
          ),
        bind: () =>
          onForm(
            'form-set-policy',
            (v) =>
              api('PUT', '/policies/' + enc(formVhost()) + '/' + enc(v.name), {
                pattern: v.pattern,
                definition: policyDefinition(v.definition),
                priority: Number(v.priority || 0),
                'apply-to': v.applyTo,
              }),
            'Policy saved',
          ),
      },
    },
  );

  function notFoundPage(main) {
    main.innerHTML =
      '<div class="card card-pad" id="not-found"><h2>Page not found</h2><p class="muted">No page at <code>' +
      esc(window.location.hash) +
      '</code>. <a href="#/overview">Back to the overview</a></p></div>';
  }

  const consumersPage = listPage(
    'Consumers',
    'consumers',
    [
      codeColumn('tag', 'Consumer tag', (r) => r.consumer_tag),
      {
        key: 'queue',
        label: 'Queue',
        get: (r) => r.queue.name,
        html: (r) => '<a href="' + esc(queueHref(r.queue)) + '">' + esc(r.queue.name) + '</a>',
      },
      { key: 'channel', label: 'Channel', get: (r) => r.channel_details.name },
      { key: 'ack', label: 'Ack', get: (r) => (r.ack_required ? 'manual' : 'auto') },
      { key: 'prefetch', label: 'Prefetch', num: true, get: (r) => r.prefetch_count },
      { key: 'active', label: 'Active', get: (r) => (r.active ? 'yes' : 'no') },
    ],
    { title: 'All consumers' },
  );

  async function queuePage(main, vhost, name) {
    const path = '/queues/' + enc(vhost) + '/' + enc(name);
    // The charts' samples are kept by the server (RabbitMQ's lengths/msg_rates series).
    const q = await api('GET', path + QUEUE_SERIES);
    const bindings = await api('GET', path + '/bindings');
    const key = vhost + '\u0000' + name;
    const keep = main.querySelector('#queue-forms');
    if (!keep || main.dataset.queue !== key) {
      main.dataset.queue = key;
      main.innerHTML =
        '<div><div class="crumbs"><a href="#/queues">Queues</a> / ' +
        esc(vhost) +
        '</div><div class="page-head"><div><h1 id="queue-name">' +
        esc(name) +
        '</h1><div class="sub muted" id="queue-sub"></div></div>' +
        '<div class="actions"><button class="btn btn-danger" id="btn-purge">Purge messages</button><button class="btn btn-danger" id="btn-delete">Delete queue</button></div></div></div>' +
        '<div class="grid stats" id="queue-stats"></div>' +
        '<div class="grid charts">' +
        chartCard('chart-queue', 'Queue depth', [
          { label: 'Ready', color: C.c1 },
          { label: 'Unacked', color: C.c4 },
        ]) +
        chartCard('chart-queue-rates', 'Message rates', [
          { label: 'Publish', color: C.c1 },
          { label: 'Deliver', color: C.c2 },
          { label: 'Ack', color: C.c3 },
        ]) +
        '<div class="card"><div class="card-head"><h2>Details</h2></div><div class="card-pad"><dl class="kv" id="queue-kv"></dl></div></div></div>' +
        '<div class="grid charts" id="queue-forms">' +
        '<div class="card"><div class="card-head"><h2>Publish a message</h2><span class="muted">via the default exchange</span></div><div class="card-pad"><form id="form-publish" class="grid">' +
        '<label>Payload<textarea id="publish-payload" placeholder=\'{"hello": "world"}\'></textarea></label><div class="form-row"><label>Content type<input id="publish-ct" value="application/json"></label>' +
        '<label>Delivery mode<select id="publish-dm"><option value="1">1 · transient</option><option value="2">2 · persistent</option></select></label><button class="btn btn-primary" type="submit">Publish</button></div></form></div></div>' +
        '<div class="card"><div class="card-head"><h2>Get messages</h2><span class="muted">basic.get</span></div><div class="card-pad"><form id="form-get" class="form-row">' +
        '<label>Ack mode<select id="get-ackmode"><option value="ack_requeue_true">Nack, requeue</option><option value="ack_requeue_false">Ack, remove</option><option value="reject_requeue_false">Reject, drop</option></select></label>' +
        '<label>Count<input id="get-count" type="number" min="1" value="1"></label><button class="btn" type="submit">Get</button></form></div><div class="messages" id="get-results"></div></div></div>' +
        '<div id="queue-bindings"></div>';
      $('btn-purge').onclick = async () => {
        if (
          !(await confirmDialog(
            'Purge ' + name + '?',
            'All ready messages in this queue will be deleted. This cannot be undone.',
          ))
        )
          return;
        try {
          await api('DELETE', path + '/contents');
          toast('Queue purged');
          render();
        } catch (e) {
          toast(e.message, true);
        }
      };
      $('btn-delete').onclick = async () => {
        if (
          !(await confirmDialog(
            'Delete ' + name + '?',
            'The queue, its bindings and its messages will be deleted.',
          ))
        )
          return;
        try {
          await api('DELETE', path);
          toast('Queue deleted');
          window.location.hash = '#/queues';
        } catch (e) {
          toast(e.message, true);
        }
      };
      $('form-publish').onsubmit = async (ev) => {
        ev.preventDefault();
        try {
          const r = await api('POST', '/exchanges/' + enc(vhost) + '/amq.default/publish', {
            routing_key: name,
            payload: $('publish-payload').value,
            payload_encoding: 'string',
            properties: { content_type: $('publish-ct').value, delivery_mode: Number($('publish-dm').value) },
          });
          toast(r.routed ? 'Message published' : 'Message was not routed', !r.routed);
          render();
        } catch (e) {
          toast(e.message, true);
        }
      };
      $('form-get').onsubmit = async (ev) => {
        ev.preventDefault();
        try {
          const msgs = await api('POST', path + '/get', {
            count: Number($('get-count').value),
            ackmode: $('get-ackmode').value,
            encoding: 'auto',
          });
          $('get-results').innerHTML =
            msgs.length === 0
              ? '<p class="muted">Queue is empty.</p>'
              : msgs
                  .map(
                    (m, i) =>
                      '<div class="message"><div class="muted">#' +
                      (i + 1) +
                      ' · routing key <code>' +
                      esc(m.routing_key) +
                      '</code> · ' +
                      m.payload_bytes +
                      ' bytes' +
                      (m.redelivered ? ' · redelivered' : '') +
                      '</div>' +
                      propertiesList(m.properties) +
                      '<pre class="mono">' +
                      esc(m.payload) +
                      '</pre></div>',
                  )
                  .join('');
          render();
        } catch (e) {
          toast(e.message, true);
        }
      };
    }
    $('queue-sub').textContent =
      q.vhost +
      ' · ' +
      q.type +
      (q.durable ? ' · durable' : '') +
      (q.auto_delete ? ' · auto-delete' : '') +
      (q.exclusive ? ' · exclusive' : '');
    $('queue-stats').innerHTML =
      stat('Ready', num(q.messages_ready), '', 'queue-ready') +
      stat('Unacked', num(q.messages_unacknowledged)) +
      stat('Consumers', num(q.consumers)) +
      stat('Publish', fmtRate(rate(q.message_stats, 'publish')), '/s') +
      stat('Deliver', fmtRate(rate(q.message_stats, 'deliver_get')), '/s') +
      stat('Ack', fmtRate(rate(q.message_stats, 'ack')), '/s');
    const args = Object.keys(q.arguments);
    $('queue-kv').innerHTML =
      '<dt>Virtual host</dt><dd>' +
      esc(q.vhost) +
      '</dd><dt>Bytes ready</dt><dd>' +
      num(q.message_bytes) +
      '</dd><dt>Published</dt><dd>' +
      num(q.message_stats.publish) +
      '</dd><dt>Delivered</dt><dd>' +
      num(q.message_stats.deliver_get) +
      '</dd><dt>Acked</dt><dd>' +
      num(q.message_stats.ack) +
      '</dd>' +
      '<dt>Arguments</dt><dd>' +
      (args.length === 0
        ? '<span class="muted">none</span>'
        : args
            .map((k) => '<code>' + esc(k) + '=' + esc(JSON.stringify(q.arguments[k])) + '</code>')
            .join('<br>')) +
      '</dd><dt>Policy</dt><dd id="queue-policy">' +
      (q.policy
        ? esc(q.policy) + ' <code>' + esc(JSON.stringify(q.effective_policy_definition)) + '</code>'
        : '<span class="muted">none</span>') +
      '</dd>';
    $('queue-bindings').innerHTML = table(
      'queue-bindings',
      [
        { key: 'source', label: 'From exchange', get: (r) => r.source || '(AMQP default)' },
        codeColumn('rk', 'Routing key', (r) => r.routing_key),
      ],
      bindings,
      { title: 'Bindings' },
    );
    window.WarrenCharts.drawChart(
      $('chart-queue'),
      series(q.messages_ready_details).times,
      [
        { color: C.c1, values: series(q.messages_ready_details).values },
        { color: C.c4, values: series(q.messages_unacknowledged_details).values },
      ],
      { area: true },
    );
    const stats = q.message_stats || {};
    const publish = rateSeries(stats.publish_details);
    $('chart-queue').dataset.points = String(series(q.messages_ready_details).times.length);
    window.WarrenCharts.drawChart($('chart-queue-rates'), publish.times, [
      { color: C.c1, values: publish.values },
      { color: C.c2, values: rateSeries(stats.deliver_get_details).values },
      { color: C.c3, values: rateSeries(stats.ack_details).values },
    ]);
  }

  /** A RabbitMQ sample series (newest first) as oldest-first times and values. */
  function series(details) {
    const samples = ((details && details.samples) || []).slice().reverse();
    return { times: samples.map((s) => s.timestamp), values: samples.map((s) => s.sample) };
  }

  /** Per-second rates between consecutive samples of a counter series (oldest first). */
  function rateSeries(details) {
    const s = series(details);
    const times = [];
    const values = [];
    for (let i = 1; i < s.times.length; i++) {
      const dt = (s.times[i] - s.times[i - 1]) / 1000;
      times.push(s.times[i]);
      values.push(dt > 0 ? Math.max(0, (s.values[i] - s.values[i - 1]) / dt) : 0);
    }
    return { times: times, values: values };
  }

  // ---- failed jobs: <queue>.dead through /api/dead-letters ----
  /** A message's properties and headers as a definition list (Get results, dead letters). */
  function propertiesList(properties) {
    const p = properties || {};
    const headers = p.headers || {};
    const rows = Object.keys(p)
      .filter((k) => k !== 'headers')
      .map((k) => '<dt>' + esc(k) + '</dt><dd><code>' + esc(JSON.stringify(p[k])) + '</code></dd>')
      .concat(
        Object.keys(headers).map(
          (k) =>
            '<dt>header ' + esc(k) + '</dt><dd><code>' + esc(JSON.stringify(headers[k])) + '</code></dd>',
        ),
      );
    return rows.length === 0 ? '' : '<dl class="kv message-props">' + rows.join('') + '</dl>';
  }

  const deadHref = (r) => '#/dead/' + enc(r.vhost) + '/' + enc(r.name.replace(/\.dead$/, ''));

  async function deadQueuesPage(main) {
    const rows = (await api('GET', '/queues')).filter((q) => /\.dead$/.test(q.name));
    main.innerHTML =
      '<div class="page-head"><h1>Failed jobs</h1><div class="sub muted">Tasks whose workers gave up on messages: ' +
      'each task queue <code>q</code> dead-letters to <code>q.dead</code></div></div>' +
      table(
        'dead-queues',
        [
          {
            key: 'task',
            label: 'Task queue',
            get: (r) => r.name.replace(/\.dead$/, ''),
            html: (r) => '<a href="' + esc(deadHref(r)) + '">' + esc(r.name.replace(/\.dead$/, '')) + '</a>',
          },
          { key: 'vhost', label: 'Vhost', get: (r) => r.vhost },
          { key: 'failed', label: 'Failed jobs', num: true, get: (r) => r.messages },
        ],
        rows,
        { title: 'Dead-letter queues', link: deadHref },
      );
  }

  async function deadLettersPage(main, vhost, queue) {
    const key = vhost + '\u0000' + queue;
    if (main.dataset.dead === key) return; // rendered: refreshed by its buttons, not the poll
    main.dataset.dead = key;
    const path = '/dead-letters/' + enc(vhost) + '/' + enc(queue);
    main.innerHTML =
      '<div><div class="crumbs"><a href="#/dead">Failed jobs</a> / ' +
      esc(vhost) +
      '</div><div class="page-head"><div><h1 id="dead-name">' +
      esc(queue) +
      '</h1><div class="sub muted">messages in <code>' +
      esc(queue) +
      '.dead</code>; <em>Retry</em> sends them back to <code>' +
      esc(queue) +
      '</code> with attempts reset</div></div>' +
      '<div class="actions"><button class="btn" id="dead-refresh">Refresh</button><button class="btn" id="dead-export">Export JSON lines</button>' +
      '<button class="btn btn-primary" id="dead-retry-all">Retry all</button><button class="btn btn-danger" id="dead-delete-all">Delete all</button></div></div></div>' +
      '<div class="card card-pad"><form id="dead-filter-form" class="form-row"><label>Error matches (regular expression)<input id="dead-error" placeholder="ETIMEDOUT|ECONNRESET"></label>' +
      '<button class="btn" type="submit" id="dead-retry-matching">Retry matching</button></form></div>' +
      '<div id="dead-list"></div>';
    const act = async (what, body, done) => {
      try {
        const r = await api('POST', path + '/' + what, body);
        toast(r.ids.length + ' ' + done + (r.missing.length ? ' (' + r.missing.length + ' not found)' : ''));
        main.dataset.dead = '';
        render();
      } catch (e) {
        toast(e.message, true);
      }
    };
    $('dead-refresh').onclick = () => {
      main.dataset.dead = '';
      render();
    };
    $('dead-retry-all').onclick = () => act('retry', { all: true }, 'retried');
    $('dead-delete-all').onclick = async () => {
      if (
        await confirmDialog('Delete every failed job of ' + queue + '?', 'They cannot be retried afterwards.')
      )
        act('delete', { all: true }, 'deleted');
    };
    $('dead-filter-form').onsubmit = (ev) => {
      ev.preventDefault();
      act('retry', { error: $('dead-error').value }, 'retried');
    };
    $('dead-export').onclick = async () => {
      try {
        const letters = await api('GET', path + '?limit=10000');
        const text = letters.map((l) => JSON.stringify(l)).join('\n') + (letters.length ? '\n' : '');
        const a = document.createElement('a');
        a.href = 'data:application/x-ndjson;charset=utf-8,' + enc(text);
        a.download = queue + '.dead.jsonl';
        a.click();
      } catch (e) {
        toast(e.message, true);
      }
    };
    const letters = await api('GET', path);
    $('dead-list').innerHTML =
      letters.length === 0
        ? '<div class="card card-pad"><p class="muted" id="dead-empty">No failed jobs.</p></div>'
        : letters
            .map(
              (l, i) =>
                '<div class="card dead-letter" data-id="' +
                esc(l.id) +
                '"><div class="card-head"><h2><code>' +
                esc(l.id) +
                '</code></h2><div class="actions"><button class="btn btn-primary" data-act="retry" data-i="' +
                i +
                '">Retry</button><button class="btn" data-act="edit" data-i="' +
                i +
                '">Edit &amp; retry</button><button class="btn btn-danger" data-act="delete" data-i="' +
                i +
                '">Delete</button></div></div><div class="card-pad"><p class="error dead-error">' +
                esc((l.errorName || 'Error') + ': ' + (l.error || '(no error recorded)')) +
                '</p><p class="muted">' +
                esc(
                  (l.reason || 'unknown reason') +
                    ' · ' +
                    (l.attempt ? l.attempt + ' attempts' : 'no attempt count') +
                    (l.lastFailure ? ' · last failed ' + l.lastFailure : ''),
                ) +
                '</p>' +
                propertiesList(Object.assign({}, l.properties, { headers: l.headers })) +
                '<pre class="mono">' +
                esc(l.payload) +
                '</pre><form class="grid dead-edit hidden" data-i="' +
                i +
                '"><label>New payload<textarea>' +
                esc(l.payload) +
                '</textarea></label><div class="form-row"><button class="btn btn-primary" type="submit">Send to ' +
                esc(queue) +
                '</button></div></form></div></div>',
            )
            .join('');
    $('dead-list')
      .querySelectorAll('button[data-act]')
      .forEach((b) => {
        const l = letters[Number(b.dataset.i)];
        b.onclick = () => {
          if (b.dataset.act === 'retry') act('retry', { ids: [l.id] }, 'retried');
          else if (b.dataset.act === 'delete') act('delete', { ids: [l.id] }, 'deleted');
          else
            $('dead-list')
              .querySelector('form[data-i="' + b.dataset.i + '"]')
              .classList.remove('hidden');
        };
      });
    $('dead-list')
      .querySelectorAll('form.dead-edit')
      .forEach((f) => {
        const l = letters[Number(f.dataset.i)];
        f.onsubmit = (ev) => {
          ev.preventDefault();
          act('retry', { ids: [l.id], payload: f.querySelector('textarea').value }, 'retried');
        };
      });
  }

  // ---- jobs: the job store through /api/jobs ----
  const JOB_TAG = { completed: 'green', failed: 'red', dead: 'red', cancelled: 'grey', waiting: 'grey' };
  const jobTag = (s) => '<span class="tag job-state ' + (JOB_TAG[s] || '') + '">' + esc(s) + '</span>';
  const when = (ms) =>
    typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').slice(0, 23) : '';
  const jobHref = (task, id) => '#/jobs/' + enc(task) + (id === undefined ? '' : '/' + enc(id));
  const json = (v) => (v === undefined ? '' : JSON.stringify(v));
  const outcomeOf = (j) => (j.error ? j.error.name + ': ' + j.error.message : json(j.result));

  /** The API's answer, or null when the server was started without a job store (404). */
  async function jobsApi(path) {
    try {
      return await api('GET', '/jobs' + path);
    } catch (e) {
      if (/no job store/.test(e.message)) return null;
      throw e;
    }
  }

  const NO_STORE =
    '<div class="card card-pad" id="jobs-none"><h2>No job store</h2><p class="muted">Run the management ' +
    'server from an app (<code>management</code>: its own store) or start <code>warren broker</code> ' +
    'with <code>--jobs postgres://…|redis://…|DATA_DIR</code>.</p></div>';

  async function jobTasksPage(main) {
    const data = await jobsApi('');
    const head =
      '<div class="page-head"><h1>Jobs</h1><div class="sub muted">Tasks and their jobs per state, from the job store</div></div>';
    if (data === null) {
      main.innerHTML = head + NO_STORE;
      return;
    }
    main.innerHTML =
      head +
      table(
        'job-tasks',
        [
          {
            key: 'task',
            label: 'Task',
            get: (r) => r.name,
            html: (r) => '<a href="' + esc(jobHref(r.name)) + '">' + esc(r.name) + '</a>',
          },
        ].concat(data.states.map((s) => ({ key: s, label: s, num: true, get: (r) => r.counts[s] || 0 }))),
        data.tasks,
        { title: 'Tasks', link: (r) => jobHref(r.name) },
      );
  }

  async function jobListPage(main, task) {
    const view = (state.jobs[task] = state.jobs[task] || { state: '', page: 1 });
    const query = '?page=' + view.page + '&page_size=20' + (view.state ? '&state=' + enc(view.state) : '');
    const data = await jobsApi('/' + enc(task) + query);
    if (data === null) {
      main.innerHTML = NO_STORE;
      return;
    }
    const states = ['', 'waiting', 'delayed', 'active', 'completed', 'failed', 'dead', 'cancelled'];
    const total = Object.keys(data.counts).reduce((a, k) => a + data.counts[k], 0);
    const tabs = states
      .map(
        (s) =>
          '<button class="btn btn-sm job-tab' +
          (s === view.state ? ' btn-primary' : '') +
          '" data-state="' +
          s +
          '">' +
          esc(s || 'all') +
          ' <span class="muted">' +
          num(s ? data.counts[s] || 0 : total) +
          '</span></button>',
      )
      .join('');
    const rows = data.items
      .map(
        (j) =>
          '<tr class="link" data-href="' +
          esc(jobHref(task, j.id)) +
          '" data-job="' +
          esc(j.id) +
          '"><td><code>' +
          esc(j.id) +
          '</code></td><td>' +
          jobTag(j.state) +
          '</td><td class="num">' +
          esc(j.attempts) +
          '</td><td>' +
          esc(json(j.progress)) +
          '</td><td>' +
          esc(when(j.updatedAt)) +
          '</td><td class="' +
          (j.error ? 'error' : '') +
          '">' +
          esc(outcomeOf(j).slice(0, 120)) +
          '</td></tr>',
      )
      .join('');
    main.innerHTML =
      '<div><div class="crumbs"><a href="#/jobs">Jobs</a></div><div class="page-head"><div><h1 id="jobs-task">' +
      esc(task) +
      '</h1><div class="sub muted">newest first</div></div></div></div>' +
      '<div class="card"><div class="card-head"><div class="actions" id="job-tabs">' +
      tabs +
      '</div></div><div class="table-wrap"><table id="table-jobs"><thead><tr><th>Id</th><th>State</th><th class="num">Attempts</th><th>Progress</th><th>Updated</th><th>Result or error</th></tr></thead><tbody>' +
      (rows || '<tr><td class="empty" colspan="6">No jobs</td></tr>') +
      '</tbody></table></div><div class="card-pad form-row"><button class="btn btn-sm" id="jobs-prev"' +
      (data.page > 1 ? '' : ' disabled') +
      '>Previous</button><span class="muted" id="jobs-page">page ' +
      data.page +
      ' of ' +
      data.page_count +
      ' · ' +
      num(data.total_count) +
      ' jobs</span><button class="btn btn-sm" id="jobs-next"' +
      (data.page < data.page_count ? '' : ' disabled') +
      '>Next</button></div></div>';
    $('job-tabs')
      .querySelectorAll('button')
      .forEach((b) => {
        b.onclick = () => {
          view.state = b.dataset.state;
          view.page = 1;
          render();
        };
      });
    $('jobs-prev').onclick = () => {
      view.page = Math.max(1, view.page - 1);
      render();
    };
    $('jobs-next').onclick = () => {
      view.page += 1;
      render();
    };
  }

  async function jobPage(main, task, id) {
    const [j, info] = await Promise.all([jobsApi('/' + enc(task) + '/' + enc(id)), jobsApi('')]);
    if (j === null || info === null) {
      main.innerHTML = NO_STORE;
      return;
    }
    const live = j.state === 'waiting' || j.state === 'delayed' || j.state === 'active';
    const kv = [
      ['State', jobTag(j.state)],
      ['Attempts', esc(j.attempts + (j.maxAttempts ? ' of ' + j.maxAttempts : ''))],
      ['Progress', '<code>' + esc(json(j.progress)) + '</code>'],
      ['Created', esc(when(j.createdAt))],
      ['Started', esc(when(j.startedAt))],
      ['Finished', esc(when(j.finishedAt))],
      ['Updated', esc(when(j.updatedAt))],
      ['Runs at', esc(when(j.runAt))],
    ]
      .map((r) => '<dt>' + r[0] + '</dt><dd>' + r[1] + '</dd>')
      .join('');
    main.innerHTML =
      '<div><div class="crumbs"><a href="#/jobs">Jobs</a> / <a href="' +
      esc(jobHref(task)) +
      '">' +
      esc(task) +
      '</a></div><div class="page-head"><div><h1><code id="job-id">' +
      esc(j.id) +
      '</code></h1></div><div class="actions">' +
      (live && info.can_cancel ? '<button class="btn btn-danger" id="job-cancel">Cancel job</button>' : '') +
      (j.state === 'failed' || j.state === 'dead'
        ? '<button class="btn btn-primary" id="job-retry">Retry</button>'
        : '') +
      '</div></div></div><div class="grid charts"><div class="card"><div class="card-head"><h2>Job</h2></div><div class="card-pad"><dl class="kv" id="job-kv">' +
      kv +
      '</dl></div></div><div class="card"><div class="card-head"><h2>' +
      (j.error ? 'Error' : 'Result') +
      '</h2></div><div class="card-pad">' +
      (j.error
        ? '<p class="error" id="job-error">' +
          esc(j.error.name + ': ' + j.error.message) +
          '</p>' +
          (j.error.code ? '<p class="muted">code ' + esc(j.error.code) + '</p>' : '')
        : '<pre class="mono" id="job-result">' +
          esc(j.result === undefined ? '' : JSON.stringify(j.result, null, 2)) +
          '</pre>') +
      '</div></div></div>';
    const act = async (what, body, done) => {
      try {
        await api('POST', '/jobs/' + enc(task) + '/' + enc(id) + '/' + what, body);
        toast(done);
        render();
      } catch (e) {
        toast(e.message, true);
      }
    };
    if ($('job-cancel'))
      $('job-cancel').onclick = async () => {
        if (
          await confirmDialog('Cancel job ' + id + '?', 'A waiting job never runs; a running one is aborted.')
        )
          act('cancel', {}, 'Job cancelled');
      };
    if ($('job-retry'))
      $('job-retry').onclick = () => act('retry', { vhost: state.vhost || '/' }, 'Job sent back to ' + task);
  }

  const PAGES = {
    overview: overviewPage,
    queues: queuesPage,
    exchanges: exchangesPage,
    bindings: bindingsPage,
    connections: connectionsPage,
    consumers: consumersPage,
    dead: deadQueuesPage,
    jobs: jobTasksPage,
    channels: channelsPage,
    users: usersPage,
    vhosts: vhostsPage,
    permissions: permissionsPage,
    policies: policiesPage,
  };

  async function render() {
    clearTimeout(state.timer);
    const main = $('main');
    const parts = (window.location.hash.replace(/^#\/?/, '') || 'overview').split('/');
    const page = parts[0];
    document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === page));
    if (state.page !== window.location.hash) {
      main.dataset.queue = '';
      main.dataset.dead = '';
      main.dataset.list = '';
      state.page = window.location.hash;
    }
    try {
      if (page === 'queues' && parts.length >= 3)
        await queuePage(main, decodeURIComponent(parts[1]), decodeURIComponent(parts.slice(2).join('/')));
      else if (page === 'dead' && parts.length >= 3)
        await deadLettersPage(
          main,
          decodeURIComponent(parts[1]),
          decodeURIComponent(parts.slice(2).join('/')),
        );
      else if (page === 'jobs' && parts.length === 2) await jobListPage(main, decodeURIComponent(parts[1]));
      else if (page === 'jobs' && parts.length >= 3)
        await jobPage(main, decodeURIComponent(parts[1]), decodeURIComponent(parts.slice(2).join('/')));
      else if (PAGES[page] && (parts.length === 1 || page === 'dead')) await PAGES[page](main);
      else notFoundPage(main);
    } catch (e) {
      if (e.message !== 'signed out')
        main.innerHTML =
          '<div class="card card-pad"><h2>Could not load this page</h2><p class="error">' +
          esc(e.message) +
          '</p></div>';
    }
    if (sessionStorage.getItem(KEY)) state.timer = setTimeout(render, POLL_MS);
  }

  // ---- session ----
  async function start() {
    try {
      const me = await api('GET', '/whoami');
      const o = await api('GET', '/overview');
      $('whoami').textContent = me.name;
      $('node').textContent = o.node;
      $('login').classList.add('hidden');
      $('app').classList.remove('hidden');
      await fillVhostSelect();
      render();
      return true;
    } catch {
      return false;
    }
  }

  function logout() {
    sessionStorage.removeItem(KEY);
    clearTimeout(state.timer);
    $('app').classList.add('hidden');
    $('login').classList.remove('hidden');
  }

  document.addEventListener('input', (ev) => {
    const id = ev.target.dataset && ev.target.dataset.filter;
    if (!id) return;
    state.filter[id] = ev.target.value;
    const pos = ev.target.selectionStart;
    render().then(() => {
      const el = document.querySelector('[data-filter="' + id + '"]');
      if (el) {
        el.focus();
        el.setSelectionRange(pos, pos);
      }
    });
  });
  document.addEventListener('click', (ev) => {
    const th = ev.target.closest && ev.target.closest('th[data-table]');
    if (th) {
      const id = th.dataset.table;
      const cur = state.sort[id];
      state.sort[id] = { key: th.dataset.key, dir: cur && cur.key === th.dataset.key ? -cur.dir : 1 };
      render();
      return;
    }
    const button = ev.target.closest && ev.target.closest('button[data-action]');
    if (button) {
      ev.stopPropagation();
      const run = ACTIONS[button.dataset.action];
      if (run) run(button.dataset);
      return;
    }
    const tr = ev.target.closest && ev.target.closest('tr.link');
    if (tr && !ev.target.closest('a')) window.location.hash = tr.dataset.href;
  });
  window.addEventListener('hashchange', render);
  $('vhost-select').onchange = (ev) => {
    state.vhost = ev.target.value;
    main().dataset.list = '';
    render();
  };
  function main() {
    return $('main');
  }
  $('logout').onclick = logout;
  $('login-form').onsubmit = async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, btoa($('login-user').value + ':' + $('login-password').value));
    if (!(await start())) {
      sessionStorage.removeItem(KEY);
      $('login-error').textContent = 'Login failed: wrong credentials or not a management user.';
      $('login-error').classList.remove('hidden');
    }
  };
  if (sessionStorage.getItem(KEY))
    start().then((ok) => {
      if (!ok) logout();
    });
  else logout();
})();
