using System.Data;

namespace NevHub.Storage.Analytics;

/// <summary>The outbox row every store reads back: id, url, payload, attempts, next attempt and creation (UTC ticks), last error.</summary>
public static class WebhookOutboxRow
{
    public const string Columns = "id, url, payload, attempts, next_attempt, created_at, last_error";

    public static WebhookDelivery Read(IDataRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new WebhookDelivery
        {
            Id = row.GetInt64(0),
            Url = row.GetString(1),
            Payload = row.GetString(2),
            Attempts = row.GetInt32(3),
            NextAttemptAt = new DateTimeOffset(row.GetInt64(4), TimeSpan.Zero),
            CreatedAt = new DateTimeOffset(row.GetInt64(5), TimeSpan.Zero),
            LastError = row.IsDBNull(6) ? null : row.GetString(6),
        };
    }
}
