namespace NevHub.Storage;

/// <summary>A vehicle was saved with a JT/T 808 terminal phone that is already bound to another vehicle.</summary>
public sealed class TerminalPhoneConflictException : InvalidOperationException
{
    public TerminalPhoneConflictException()
    {
    }

    public TerminalPhoneConflictException(string message)
        : base(message)
    {
    }

    public TerminalPhoneConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TerminalPhoneConflictException(string terminalPhone, string vin, string otherVin)
        : base($"The terminal phone '{terminalPhone}' of {vin} is already bound to {otherVin}.")
    {
        TerminalPhone = terminalPhone;
        OtherVin = otherVin;
    }

    public string? TerminalPhone { get; }

    /// <summary>The vehicle that holds the phone.</summary>
    public string? OtherVin { get; }
}
