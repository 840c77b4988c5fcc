using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using NevHub.Domain;
using NevHub.Gateways;
using NevHub.Gateways.Jt808;
using NevHub.Protocols.Jt808;
using NevHub.Server.Security;
using NevHub.Storage;

namespace NevHub.Server.Api;

/// <summary>
/// A downlink command for a JT/T 808 terminal. <c>kind</c>: <c>text</c> (0x8300: <c>text</c>, optional <c>flags</c>, default
/// 0x0C display + TTS), <c>set_parameters</c> (0x8103: <c>parameters</c> = [{id, value, type?}]), <c>query_parameters</c>
/// (0x8104 without <c>ids</c>, 0x8106 with them) or <c>query_position</c> (0x8201).
/// </summary>
public sealed record CommandRequest(string? Kind, string? Text, int? Flags, IReadOnlyList<ParameterSetting>? Parameters, IReadOnlyList<JsonElement>? Ids);

/// <summary>One parameter to set: id ("0x0029" or 41), value (number or string), type (dword, word, byte, string, hex) when the id is not a standard one.</summary>
public sealed record ParameterSetting(JsonElement Id, JsonElement Value, string? Type);

/// <summary>
/// Downlink commands to connected JT/T 808 terminals and their status. Admin and operator only; vehicles the caller may not
/// see are 404. Commands live in memory (<see cref="Jt808CommandTracker"/>): a restart forgets them.
/// </summary>
public static class DownlinkApi
{
    /// <summary>Text bytes (GBK) per 0x8300: the body (flag, [type], text) must fit 1023 bytes without subpackaging.</summary>
    public const int MaxTextBytes = 1000;

    public static RouteGroupBuilder MapDownlinkApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/vehicles/{vin}/commands").WithTags("Downlink");
        api.MapPost("/", SendCommand).WithName("SendCommand")
            .WithSummary("Send a command (text, set_parameters, query_parameters, query_position) to a connected JT/T 808 terminal (admin, operator).");
        api.MapGet("/", ListCommands).WithName("ListCommands").WithSummary("The vehicle's recent commands, newest first (in memory, not persisted).");
        api.MapGet("/{id}", GetCommand).WithName("GetCommand").WithSummary("One command and its status.");
        return api;
    }

    private static async Task<Results<Accepted<Jt808CommandRecord>, ValidationProblem, NotFound, ForbidHttpResult, Conflict<ProblemDetails>>> SendCommand(
        string vin,
        CommandRequest? request,
        ClaimsPrincipal user,
        IVehicleStore store,
        ConnectedVehicles connected,
        CancellationToken cancellationToken)
    {
        if (await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        if (!TenantScope.Of(user).CanWrite(user))
        {
            return TypedResults.Forbid();
        }

        if (request is null)
        {
            return Invalid("body", "a JSON command is required");
        }

        Jt808Body body;
        bool expectsAnswer;
        try
        {
            (body, expectsAnswer) = Build(request);
        }
        catch (CommandException ex)
        {
            return Invalid(ex.Field, ex.Message);
        }

        if (!connected.TryGet(vin, out var connection) || connection is not IJt808Connection terminal)
        {
            return Offline(vin);
        }

        var record = await terminal.SendCommandAsync(request.Kind!, body, expectsAnswer, cancellationToken).ConfigureAwait(false);
        return record is null
            ? Offline(vin)
            : TypedResults.Accepted($"/api/vehicles/{Uri.EscapeDataString(vin)}/commands/{record.Id}", record);
    }

    private static async Task<Results<Ok<IReadOnlyList<Jt808CommandRecord>>, NotFound>> ListCommands(
        string vin, ClaimsPrincipal user, IVehicleStore store, Jt808CommandTracker commands, CancellationToken cancellationToken) =>
        await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(commands.List(vin));

    private static async Task<Results<Ok<Jt808CommandRecord>, NotFound>> GetCommand(
        string vin, string id, ClaimsPrincipal user, IVehicleStore store, Jt808CommandTracker commands, CancellationToken cancellationToken) =>
        await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is not null && commands.Get(vin, id) is { } record
            ? TypedResults.Ok(record)
            : TypedResults.NotFound();

    private static (Jt808Body Body, bool ExpectsAnswer) Build(CommandRequest request)
    {
        switch (request.Kind)
        {
            case "text":
                if (string.IsNullOrEmpty(request.Text))
                {
                    throw new CommandException("text", "text is required");
                }

                if (request.Flags is < 0 or > 255)
                {
                    throw new CommandException("flags", "flags is a byte (0-255)");
                }

                var text = Jt808Text.Encode(request.Text);
                if (text.Length > MaxTextBytes)
                {
                    throw new CommandException("text", $"text is {text.Length} bytes in GBK; at most {MaxTextBytes}");
                }

                return (new Jt808TextMessage((byte)(request.Flags ?? Jt808TextMessage.NoticeFlags), text), false);

            case "set_parameters":
                if (request.Parameters is not { Count: > 0 and <= 255 } settings)
                {
                    throw new CommandException("parameters", "1 to 255 parameters are required");
                }

                var parameters = settings.Select(Parameter).ToList();
                if (1 + parameters.Sum(p => 5 + p.Length) > Jt808Encoder.MaxBodyLength)
                {
                    throw new CommandException("parameters", $"the parameters do not fit one message ({Jt808Encoder.MaxBodyLength} bytes)");
                }

                return (new Jt808SetParameters(parameters), false);

            case "query_parameters":
                if (request.Ids is null or { Count: 0 })
                {
                    return (new Jt808QueryAllParameters(), true);
                }

                if (request.Ids.Count > 255)
                {
                    throw new CommandException("ids", "at most 255 parameter ids");
                }

                return (new Jt808QueryParameters([.. request.Ids.Select(i => ParameterId(i, "ids"))]), true);

            case "query_position":
                return (new Jt808LocationQuery(), true);

            default:
                throw new CommandException("kind", "kind is text, set_parameters, query_parameters or query_position");
        }
    }

    private static Jt808Parameter Parameter(ParameterSetting setting)
    {
        if (setting is null)
        {
            throw new CommandException("parameters", "a parameter is null");
        }

        var id = ParameterId(setting.Id, "parameters");
        var type = setting.Type?.ToLowerInvariant() switch
        {
            null => Jt808Parameters.TypeOf(id) switch
            {
                Jt808ParameterType.Unknown => throw new CommandException("parameters",
                    $"parameter 0x{id:X4} is not a standard one: give its type (dword, word, byte, string, hex)"),
                var known => known.ToString().ToLowerInvariant(),
            },
            "dword" or "word" or "byte" or "string" or "hex" => setting.Type.ToLowerInvariant(),
            _ => throw new CommandException("parameters", "type is dword, word, byte, string or hex"),
        };

        try
        {
            return type switch
            {
                "dword" => Jt808Parameters.Dword(id, Number(setting.Value, uint.MaxValue, id)),
                "word" => Jt808Parameters.Word(id, (ushort)Number(setting.Value, ushort.MaxValue, id)),
                "byte" => Jt808Parameters.Byte(id, (byte)Number(setting.Value, byte.MaxValue, id)),
                "string" when setting.Value.ValueKind == JsonValueKind.String => Jt808Parameters.String(id, setting.Value.GetString()!),
                "hex" when setting.Value.ValueKind == JsonValueKind.String => Jt808Parameters.Raw(id, Convert.FromHexString(setting.Value.GetString()!)),
                _ => throw new CommandException("parameters", $"parameter 0x{id:X4} needs a {type} value"),
            };
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or FormatException)
        {
            throw new CommandException("parameters", $"parameter 0x{id:X4}: the value is too long or not valid hex");
        }
    }

    private static uint Number(JsonElement value, uint max, uint id) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out var n) && n <= max
            ? n
            : throw new CommandException("parameters", $"parameter 0x{id:X4} needs a whole number from 0 to {max}");

    private static uint ParameterId(JsonElement id, string field)
    {
        if (id.ValueKind == JsonValueKind.Number && id.TryGetUInt32(out var number))
        {
            return number;
        }

        if (id.ValueKind == JsonValueKind.String && id.GetString() is { } text)
        {
            if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && text.Length is > 2 and <= 10
                && uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                return hex;
            }

            if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec))
            {
                return dec;
            }
        }

        throw new CommandException(field, "a parameter id is a DWORD: a number or \"0x\" and up to 8 hex digits");
    }

    /// <summary>The vehicle, or null when it does not exist or the caller may not see it (both 404, so existence does not leak).</summary>
    private static async Task<Vehicle?> FindVisibleAsync(string vin, ClaimsPrincipal user, IVehicleStore store, CancellationToken cancellationToken)
    {
        if (vin.Length is 0 or > VehicleCsv.MaxVinLength)
        {
            return null;
        }

        var vehicle = await store.GetVehicleAsync(vin, cancellationToken).ConfigureAwait(false);
        return vehicle is not null && TenantScope.Of(user).AllowsMaker(vehicle.Maker) ? vehicle : null;
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static Conflict<ProblemDetails> Offline(string vin) => TypedResults.Conflict(new ProblemDetails
    {
        Status = StatusCodes.Status409Conflict,
        Title = "Vehicle offline",
        Detail = $"{vin} has no live JT/T 808 connection on this node.",
    });

    private sealed class CommandException(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }
}
