using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Processing.Analytics;
using NevHub.Storage.Analytics;

namespace NevHub.Server.Hosting;

/// <summary>
/// Delivers the durable webhook outbox: POSTs each payload (JSON) with <c>X-NevHub-Signature: sha256=&lt;hex HMAC-SHA256 of the
/// body with the configured secret&gt;</c>; a non-2xx answer or a network error reschedules it with exponential back-off
/// (initial delay × 2^attempts, capped); after the maximum attempts it is dropped and logged. Deliveries survive restarts
/// (they are rows in the analytics store, written in the same transaction as the alarm).
/// </summary>
/// <remarks>
/// Runs where alarms are derived (roles all and processor, <see cref="AnalyticsHosting.Derives"/>). Several processor nodes may
/// share one PostgreSQL outbox: each poll claims its deliveries (<c>FOR UPDATE SKIP LOCKED</c> and a lease), so no two nodes send
/// the same one. A batch is small enough (<see cref="BatchSize"/> × the 10 s time-out) to end well within that lease.
/// </remarks>
public sealed partial class WebhookDispatcher : BackgroundService
{
    public const string HttpClientName = "NevHub.Webhooks";
    public const string SignatureHeader = "X-NevHub-Signature";

    /// <summary>Deliveries claimed per poll; a full batch is followed at once by the next.</summary>
    public const int BatchSize = 20;

    private readonly IAnalyticsStore _store;
    private readonly IHttpClientFactory _http;
    private readonly AnalyticsOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly bool _enabled;

    public WebhookDispatcher(IAnalyticsStore store, IHttpClientFactory http, IOptions<AnalyticsOptions> options, TimeProvider clock,
        IConfiguration configuration, ILogger<WebhookDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _enabled = AnalyticsHosting.Derives(configuration);
        _store = store;
        _http = http;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
    }

    public static string Sign(string secret, string payload) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(payload)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    int delivered;
                    do
                    {
                        delivered = await DeliverDueAsync(stoppingToken).ConfigureAwait(false);
                    }
                    while (delivered == BatchSize);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    Log.OutboxFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; pending deliveries stay in the outbox.
        }
    }

    /// <summary>Delivers one batch of due deliveries; returns how many there were.</summary>
    private async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var due = await _store.GetDueWebhooksAsync(_clock.GetUtcNow(), BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var d in due)
        {
            string? error;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, d.Url)
                {
                    Content = new StringContent(d.Payload, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add(SignatureHeader, Sign(_options.WebhookSecret ?? "", d.Payload));
                using var client = _http.CreateClient(HttpClientName);
                client.Timeout = TimeSpan.FromSeconds(10);
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                error = response.IsSuccessStatusCode ? null : "HTTP " + (int)response.StatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error = ex.Message;
            }

            if (error is null)
            {
                await _store.CompleteWebhookAsync(d.Id, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var attempts = d.Attempts + 1;
            if (attempts >= _options.WebhookMaxAttempts)
            {
                Log.Dropped(_logger, d.Url, attempts, error);
                await _store.CompleteWebhookAsync(d.Id, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var delay = TimeSpan.FromTicks((long)Math.Min(_options.WebhookMaxDelay.Ticks, _options.WebhookInitialDelay.Ticks * Math.Pow(2, attempts - 1)));
            Log.Retrying(_logger, d.Url, attempts, error, delay);
            await _store.RescheduleWebhookAsync(d.Id, attempts, _clock.GetUtcNow() + delay, error, cancellationToken).ConfigureAwait(false);
        }

        return due.Count;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "Webhook to {Url} failed (attempt {Attempts}: {Error}); retry in {Delay}")]
        public static partial void Retrying(ILogger logger, string url, int attempts, string error, TimeSpan delay);

        [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "Webhook to {Url} dropped after {Attempts} attempts: {Error}")]
        public static partial void Dropped(ILogger logger, string url, int attempts, string error);

        [LoggerMessage(EventId = 5303, Level = LogLevel.Warning, Message = "Reading the webhook outbox failed; retried shortly")]
        public static partial void OutboxFailed(ILogger logger, Exception exception);
    }
}
