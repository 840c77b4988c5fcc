using System.Text;
using NevHub.Storage.Analytics;
using Npgsql;

namespace NevHub.Storage.Postgres.Analytics;

public sealed partial class PostgresAnalyticsStore
{
    public Task<bool> CreateShareAsync(ShareLink share, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(share);
        return InTransactionAsync(async (connection, tx) =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO an_shares (id, token_hash, vin, maker, created_at, data) VALUES (@id, @hash, @vin, @maker, @created, @data)
                ON CONFLICT DO NOTHING
                """, connection, tx);
            command.Parameters.AddWithValue("id", share.Id);
            command.Parameters.AddWithValue("hash", share.TokenHash);
            command.Parameters.AddWithValue("vin", share.Vin);
            command.Parameters.AddWithValue("maker", share.Maker);
            command.Parameters.AddWithValue("created", share.CreatedAt.UtcTicks);
            command.Parameters.Add(JsonParameter("data", ToJson(share)));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    public Task<ShareLink?> GetShareAsync(string id, CancellationToken cancellationToken = default) =>
        ReadOneAsync<ShareLink>("SELECT data FROM an_shares WHERE id = @id", cancellationToken, ("id", id));

    public Task<ShareLink?> GetShareByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default) =>
        ReadOneAsync<ShareLink>("SELECT data FROM an_shares WHERE token_hash = @hash", cancellationToken, ("hash", tokenHash));

    public async Task<IReadOnlyList<ShareLink>> ListSharesAsync(ShareQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Makers is { Count: 0 })
        {
            return [];
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder("SELECT data FROM an_shares WHERE true");
        AddFilters(command, sql, query.Vin, query.Makers);
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", Math.Clamp(query.Limit, 1, _options.MaxPageSize));
        command.CommandText = sql.ToString();
        return await ReadAllAsync<ShareLink>(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes under the row's lock, so of two nodes revoking at once the first time is the one kept.</summary>
    public Task<bool> RevokeShareAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, tx) =>
        {
            var share = await ReadOneAsync<ShareLink>(connection, tx, "SELECT data FROM an_shares WHERE id = @id FOR UPDATE", cancellationToken, ("id", id))
                .ConfigureAwait(false);
            if (share is null)
            {
                return false;
            }

            if (share.RevokedAt is null)
            {
                await using var update = new NpgsqlCommand("UPDATE an_shares SET data = @data WHERE id = @id", connection, tx);
                update.Parameters.AddWithValue("id", id);
                update.Parameters.Add(JsonParameter("data", ToJson(share with { RevokedAt = at })));
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
}
