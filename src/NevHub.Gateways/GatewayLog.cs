using Microsoft.Extensions.Logging;

namespace NevHub.Gateways;

/// <summary>Gateway log messages. Client faults are Debug/Information: a bad device must not flood the log at Error.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "{Protocol} connection {ConnectionId} from {Remote} closed: bad frame ({Reason}): {Detail}")]
    public static partial void BadFrame(ILogger logger, string protocol, string connectionId, string? remote, string reason, string detail);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "{Protocol} login of {Vin} refused ({Reason}) on connection {ConnectionId}")]
    public static partial void LoginRefused(ILogger logger, string protocol, string vin, string reason, string connectionId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "{Protocol} vehicle {Vin} logged in on connection {ConnectionId} (session {SessionId})")]
    public static partial void LoggedIn(ILogger logger, string protocol, string vin, string connectionId, string sessionId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "{Protocol} connection {ConnectionId} closed: {Reason}")]
    public static partial void Closed(ILogger logger, string protocol, string connectionId, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "{Protocol} frame of {Vin} failed content checks ({Reason}): {Detail}")]
    public static partial void BadContent(ILogger logger, string protocol, string vin, string reason, string detail);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "{Protocol} connection {ConnectionId} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, string protocol, string connectionId, Exception exception);
}
