// The HTTP/JSON routes the dashboard calls (the google.api.http annotations in proto/lookout/**)
// and their query strings, in one place. Query parameters name request fields by their proto
// paths, as grpc-gateway and Envoy's transcoder read them.

function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    for (const one of Array.isArray(value) ? value : [value]) q.append(name, String(one));
  }
  return q.toString();
}

// GatewayService.GetSituationReport.
export function situationReport({ country, from, to, recentEvents }) {
  return {
    path: `/v1/countries/${encodeURIComponent(country)}/situationReport`,
    query: query({
      'period.start_date': from,
      'period.end_date': to,
      recent_events: recentEvents,
    }),
  };
}

// EventService.ListEvents for one country and period.
export function listEvents({ country, from, to, pageSize, pageToken }) {
  return {
    path: '/v1/events',
    query: query({
      'filter.country_codes': country,
      'filter.date_range.start_date': from,
      'filter.date_range.end_date': to,
      page_size: pageSize,
      page_token: pageToken,
    }),
  };
}

// EventService.WatchEvents with follow, from a sequence.
export function watchEvents({ afterSequence, changeLogId }) {
  return {
    path: '/v1/events:watch',
    query: query({
      after_sequence: afterSequence,
      change_log_id: changeLogId,
      follow: 'true',
    }),
  };
}
