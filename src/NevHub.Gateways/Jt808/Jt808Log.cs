using Microsoft.Extensions.Logging;

namespace NevHub.Gateways.Jt808;

/// <summary>JT/T 808 gateway log messages (event ids 3100-3199). Terminal faults are Debug/Information.</summary>
internal static partial class Jt808Log
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "JT/T 808 registration of terminal {Phone} refused ({Result}) on connection {ConnectionId}")]
    public static partial void RegistrationRefused(ILogger logger, string phone, string result, string connectionId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "JT/T 808 terminal {Phone} registered as {Vin} (manufacturer {Manufacturer}, model {Model}, battery profile {Profile})")]
    public static partial void Registered(ILogger logger, string phone, string vin, string manufacturer, string model, string profile);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "JT/T 808 authentication of terminal {Phone} refused ({Reason}) on connection {ConnectionId}")]
    public static partial void AuthenticationRefused(ILogger logger, string phone, string reason, string connectionId);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "JT/T 808 message 0x{MessageId:X4} of terminal {Phone} refused before authentication")]
    public static partial void NotAuthenticated(ILogger logger, ushort messageId, string phone);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "JT/T 808 subpackaged message 0x{MessageId:X4} of {Phone}: packages {Missing} missing (request {Attempt}, dropped {Dropped})")]
    public static partial void SubpackagesMissing(ILogger logger, ushort messageId, string phone, string missing, int attempt, bool dropped);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "JT/T 808 terminal {Phone} auto-registered as vehicle {Vin}")]
    public static partial void AutoRegistered(ILogger logger, string phone, string vin);
}
