namespace NevHub.Storage;

/// <summary>
/// A paging cursor that this store did not issue (garbage, truncated, tampered with, or from another kind of query).
/// An <see cref="ArgumentException"/>, so an API maps it to 400 Bad Request.
/// </summary>
public sealed class InvalidCursorException : ArgumentException
{
    public InvalidCursorException()
        : base("The paging cursor is not valid.")
    {
    }

    public InvalidCursorException(string message)
        : base(message)
    {
    }

    public InvalidCursorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
