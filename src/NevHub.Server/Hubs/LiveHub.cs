using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using NevHub.Processing;
using NevHub.Server.Security;

namespace NevHub.Server.Hubs;

/// <summary>
/// The live feed at <c>/hubs/live</c>. On connect the caller receives its visible fleet as "snapshot" messages
/// (pages of <see cref="LiveFeedOptions.SnapshotPageSize"/>, the last with <c>last: true</c>); then "changes" messages
/// every <see cref="LiveFeedOptions.Interval"/> with the vehicles that changed, and "alarm" messages. A maker user or
/// key only ever receives its own maker's vehicles. The hub has no methods a client can call.
/// </summary>
[Authorize]
public sealed class LiveHub(LiveTwin twin, VehicleRegistry registry, IOptions<LiveFeedOptions> options) : Hub
{
    public const string Path = "/hubs/live";
    public const string AllGroup = "all";

    public static string MakerGroup(string maker) => "maker:" + maker;

    /// <summary>The groups a caller joins: every vehicle (admin, operator), or each of its makers.</summary>
    public static IReadOnlyList<string> GroupsOf(TenantScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Makers is null ? [AllGroup] : [.. scope.Makers.Select(MakerGroup)];
    }

    public override async Task OnConnectedAsync()
    {
        var scope = TenantScope.Of(Context.User ?? new());
        var aborted = Context.ConnectionAborted;

        // Join first, then snapshot: a change in between arrives twice at worst, and versions order them.
        foreach (var group in GroupsOf(scope))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group, aborted).ConfigureAwait(false);
        }

        var visible = new List<LiveVehicle>();
        foreach (var state in twin.All)
        {
            var vehicle = await registry.FindAsync(state.Vin, aborted).ConfigureAwait(false);
            if (scope.Makers is null || (vehicle is not null && scope.AllowsMaker(vehicle.Maker)))
            {
                visible.Add(LiveVehicle.Of(state, vehicle));
            }
        }

        var size = options.Value.SnapshotPageSize;
        var pages = Math.Max(1, (visible.Count + size - 1) / size);
        for (var page = 0; page < pages; page++)
        {
            var items = visible.GetRange(page * size, Math.Min(size, visible.Count - (page * size)));
            await Clients.Caller.SendAsync("snapshot", new LiveSnapshotPage(page, pages, visible.Count, page == pages - 1, items), aborted)
                .ConfigureAwait(false);
        }

        await base.OnConnectedAsync().ConfigureAwait(false);
    }
}

/// <summary>One page of the snapshot sent on connect.</summary>
public sealed record LiveSnapshotPage(int Page, int Pages, int Total, bool Last, IReadOnlyList<LiveVehicle> Items);
