// Settings held on the case: schools, nurseries, GP practices. Matched by their full name and by
// their distinctive part followed by any kind of setting ('Oakfield Primary' or 'Oakfield School'
// for 'Oakfield Primary School'), because reports shorten names and the distinctive part is what
// locates the child.

import type { Matcher } from './matcher.ts';
import { WORD_END, WORD_START, countLetters, dedupeBy, regexMatcher } from './matcher.ts';
import { phrasePattern, synonymTable, words } from './phrases.ts';

const SETTING_WORDS = synonymTable([['saint', 'st'], ['and', '&'], ['centre', 'center']]);

// Words that say what kind of setting it is; one of them must follow the distinctive part.
const KIND_WORDS = [
  'school', 'academy', 'nursery', 'college', 'surgery', 'practice', 'clinic', 'pre-school', 'preschool',
  'playgroup', 'centre', 'center', 'primary', 'infant', 'infants', 'junior', 'juniors', 'secondary', 'high',
];
// Words that qualify the kind ('St Mary's C of E Primary School', 'Riverside Medical Practice').
const QUALIFIER_WORDS = [
  'ce', 'c', 'of', 'e', 'rc', 'catholic', 'church', 'england', 'methodist', 'community', 'day',
  "children's", 'childrens', 'family', 'medical', 'health', 'group', 'sixth', 'form', 'free',
  'foundation', 'federation', 'and', '&',
];
const KIND = '(?:school|academy|nursery|college|surgery|practice|clinic|pre[-\\s]?school|playgroup|cent(?:re|er)|primary|infants?|juniors?|secondary|high)';
const QUALIFIER = "(?:c\\s*of\\s*e|c\\.?e\\.?|r\\.?c\\.?|catholic|church\\s+of\\s+england|methodist|community|day|children'?s|family|medical|health|group|sixth\\s+form|free|foundation|federation)";
const TRAILING = new Set([...KIND_WORDS, ...QUALIFIER_WORDS]);

type SettingForm = { pattern: string; detail: string };

function formsFor(setting: string): SettingForm[] {
  const name = setting.trim().replace(/\s+/g, ' ');
  const wordList = words(name);
  if (wordList.length === 0) return [];
  const forms: SettingForm[] = [{ pattern: phrasePattern(wordList, SETTING_WORDS), detail: `Matches the setting '${name}'` }];

  let stemLength = wordList.length;
  while (stemLength > 0 && TRAILING.has(wordList[stemLength - 1].toLowerCase().replace(/\.$/, ''))) stemLength -= 1;
  const stem = wordList.slice(0, stemLength);
  const hasKind = wordList.slice(stemLength).some((w) => KIND_WORDS.includes(w.toLowerCase()));
  if (hasKind && stemLength > 0 && countLetters(stem.join('')) >= 3) {
    forms.push({
      pattern: `${phrasePattern(stem, SETTING_WORDS)}(?:\\s+${QUALIFIER})*\\s+${KIND}(?:\\s+(?:${KIND}|${QUALIFIER}))*`,
      detail: `Matches the setting '${name}' by its name ('${stem.join(' ')}')`,
    });
  }
  return forms;
}

export function settingMatchers(settings: string[]): Matcher[] {
  const groups = dedupeBy(settings.flatMap(formsFor), (f) => f.pattern);
  return [...groups.values()].map((group) =>
    regexMatcher({
      pattern: `${WORD_START}${group[0].pattern}${WORD_END}`,
      kind: 'setting',
      severity: 'identifying',
      describe: () => group[0].detail,
    }),
  );
}
