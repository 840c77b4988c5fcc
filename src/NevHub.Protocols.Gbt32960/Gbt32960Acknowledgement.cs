using System.Buffers;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// Builds answers (§4, §10.1–10.2): a time-only answer carrying the request's time; an empty answer to a heartbeat; the platform's
/// current time in the answer to a time sync; the parameter list in the answer to a query.
/// </summary>
public static class Gbt32960Acknowledgement
{
    /// <summary>Largest answer produced by <see cref="Write"/>: header, 6-byte time, BCC.</summary>
    public const int MaxAnswerSize = Gbt32960Frame.Overhead + Gbt32960Time.Size;

    /// <summary>
    /// Whether a received frame gets an answer from us: only commands (flag 0xFE) do; correct realtime/reissue reports are
    /// not answered unless <paramref name="answerReports"/> (§10.2); an activation response is never answered.
    /// </summary>
    public static bool RequiresAnswer(in Gbt32960Frame frame, bool answerReports = false) =>
        !frame.IsAnswer
        && frame.Command != Gbt32960Command.ActivationResponse
        && (answerReports || (frame.Command != Gbt32960Command.RealtimeReport && frame.Command != Gbt32960Command.ReissueReport));

    /// <summary>The answer to a decoded request.</summary>
    /// <param name="request">The received command.</param>
    /// <param name="flag">The answer flag (success, error, ...).</param>
    /// <param name="platformTime">For a time-sync answer: the platform's current time (default: now).</param>
    public static Gbt32960Message For(Gbt32960Message request, Gbt32960ResponseFlag flag, DateTimeOffset? platformTime = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new Gbt32960Message
        {
            Version = request.Version,
            Command = request.Command,
            ResponseFlag = flag,
            Vin = request.Vin,
            Encryption = Gbt32960Encryption.None,
            Body = AnswerBody(request.Command, request.Body.Timestamp, platformTime),
        };
    }

    /// <summary>The answer to a framed request, without decoding it (the time is read from the first 6 data bytes).</summary>
    public static Gbt32960Message For(in Gbt32960Frame request, Gbt32960ResponseFlag flag, DateTimeOffset? platformTime = null) => new()
    {
        Version = request.Version,
        Command = request.Command,
        ResponseFlag = flag,
        Vin = request.Vin,
        Encryption = Gbt32960Encryption.None,
        Body = AnswerBody(request.Command, RequestTime(request), platformTime),
    };

    /// <summary>
    /// Writes the answer frame to a framed request into <paramref name="destination"/> (at least <see cref="MaxAnswerSize"/> bytes)
    /// without allocating; returns its size.
    /// </summary>
    public static int Write(in Gbt32960Frame request, Gbt32960ResponseFlag flag, Span<byte> destination, DateTimeOffset? platformTime = null)
    {
        Span<byte> data = stackalloc byte[Gbt32960Time.Size];
        var length = 0;
        if (request.Command == Gbt32960Command.TimeSync)
        {
            Gbt32960Time.Write(platformTime ?? DateTimeOffset.UtcNow, data);
            length = Gbt32960Time.Size;
        }
        else if (request.Command != Gbt32960Command.Heartbeat && !request.IsEncrypted && request.DataLength >= Gbt32960Time.Size)
        {
            request.DataUnit.Slice(0, Gbt32960Time.Size).CopyTo(data);
            length = Gbt32960Time.Size;
        }

        return Gbt32960Encoder.WriteFrame(
            request.Version, request.CommandId, (byte)flag, request.Vin, (byte)Gbt32960Encryption.None, data[..length], destination);
    }

    /// <summary>The answer to a parameter query: flag success, time, and the (id, value) list.</summary>
    public static Gbt32960Message QueryAnswer(Gbt32960Message query, DateTimeOffset time, params Gbt32960Parameter[] values)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new Gbt32960Message
        {
            Version = query.Version,
            Command = Gbt32960Command.QueryParameters,
            ResponseFlag = Gbt32960ResponseFlag.Success,
            Vin = query.Vin,
            Body = new ParameterListBody { Time = time, Parameters = values },
        };
    }

    private static Gbt32960Body AnswerBody(Gbt32960Command command, DateTimeOffset? requestTime, DateTimeOffset? platformTime) => command switch
    {
        Gbt32960Command.Heartbeat => new AcknowledgementBody(),
        Gbt32960Command.TimeSync => new AcknowledgementBody { Time = platformTime ?? DateTimeOffset.UtcNow },
        _ => new AcknowledgementBody { Time = requestTime },
    };

    private static DateTimeOffset? RequestTime(in Gbt32960Frame request)
    {
        if (request.IsEncrypted || request.DataLength < Gbt32960Time.Size)
        {
            return null;
        }

        Span<byte> field = stackalloc byte[Gbt32960Time.Size];
        request.DataUnit.Slice(0, Gbt32960Time.Size).CopyTo(field);
        return Gbt32960Time.TryRead(field, out var time) ? time : null;
    }
}
