// Inline SVG icons of the video lesson (microphone, camera, screen, hand, people, chat, poll, leave), drawn here so that
// nothing is loaded from elsewhere. Decorative: the buttons and badges carry their own text or label.
import type { ComponentChildren } from 'preact';

function Svg({ children }: { children: ComponentChildren }) {
  return (
    <svg class="vicon" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      {children}
    </svg>
  );
}

const Slash = () => <path d="M3 3l18 18" />;

export function MicIcon({ off }: { off?: boolean }) {
  return (
    <Svg>
      <rect x="9" y="3" width="6" height="11" rx="3" />
      <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
      {off && <Slash />}
    </Svg>
  );
}

export function CameraIcon({ off }: { off?: boolean }) {
  return (
    <Svg>
      <rect x="3" y="6" width="13" height="12" rx="2" />
      <path d="M16 10l5-3v10l-5-3z" />
      {off && <Slash />}
    </Svg>
  );
}

export function ScreenIcon() {
  return (
    <Svg>
      <rect x="3" y="4" width="18" height="12" rx="2" />
      <path d="M8 20h8M12 16v4" />
    </Svg>
  );
}

export function HandIcon() {
  return (
    <Svg>
      <path d="M8 13V5.5a1.5 1.5 0 0 1 3 0V12M11 11V4.5a1.5 1.5 0 0 1 3 0V12M14 11.5V6a1.5 1.5 0 0 1 3 0v8a7 7 0 0 1-7 7h-.5a6 6 0 0 1-4.6-2.2L3 14.5a1.5 1.5 0 0 1 2.3-2L8 15" />
    </Svg>
  );
}

export function PeopleIcon() {
  return (
    <Svg>
      <circle cx="9" cy="8" r="3.5" />
      <path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6.5 6.5 0 0 1 3.5 6" />
    </Svg>
  );
}

export function ChatIcon() {
  return (
    <Svg>
      <path d="M4 5h16v11H9l-5 4z" />
    </Svg>
  );
}

export function PollIcon() {
  return (
    <Svg>
      <path d="M5 20V11M12 20V4M19 20v-6M3 20h18" />
    </Svg>
  );
}

export function LeaveIcon() {
  return (
    <Svg>
      <path d="M10 4H5a1 1 0 0 0-1 1v14a1 1 0 0 0 1 1h5M15 8l4 4-4 4M19 12H9" />
    </Svg>
  );
}
