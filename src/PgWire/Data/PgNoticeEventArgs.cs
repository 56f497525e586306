namespace PgWire;

/// <summary>A notice (NoticeResponse) the server sent: a warning or information that is not an error.</summary>
public sealed class PgNoticeEventArgs : EventArgs
{
    internal PgNoticeEventArgs(PgErrorFields notice) => Notice = notice;

    /// <summary>The notice's fields: severity (NOTICE, WARNING, INFO...), SQLSTATE, message, detail, hint, ...</summary>
    public PgErrorFields Notice { get; }
}
