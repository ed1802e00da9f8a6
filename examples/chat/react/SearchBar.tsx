import { LIMITS } from "../limits.ts";
import { overLimit } from "../ui.ts";

/** The room's search box: typing searches, Escape or Close clears it (which stops the search). */
export function SearchBar({ roomId, value, onChange }: { roomId: string; value: string; onChange: (value: string) => void }) {
  const tooLong = overLimit("Searches", value.trim().length, LIMITS.searchQuery);
  return (
    <div className="search" role="search">
      <input
        type="search"
        aria-label="Search messages"
        placeholder={`Search #${roomId}`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => e.key === "Escape" && onChange("")}
        aria-invalid={tooLong ? true : undefined}
      />
      {value && (
        <button type="button" className="ghost" onClick={() => onChange("")}>
          Close
        </button>
      )}
      {tooLong && (
        <p className="composer-error" role="alert">
          {tooLong}
        </p>
      )}
    </div>
  );
}
