// Names that are also everyday English words. Matching them in any case would flag every "will",
// "may" or "hope" in a report, so for these the guard only flags a capitalised occurrence
// ("Will", "WILL"). A capitalised word at the start of a sentence is still flagged: a reviewer can
// override that in a second, whereas a missed name is published for good.

const WORDS = `
  april may june august autumn summer winter spring dawn eve
  will mark bill pat sue rob ray art bob don nick norm guy jack jay drew
  hope faith grace joy mercy patience charity destiny harmony liberty unity justice trinity
  precious blessing happy sunny sunshine star sky river storm rain honey angel bliss
  rose ruby amber pearl holly ivy lily daisy violet iris heather hazel olive willow poppy fern
  crystal penny sandy rusty chase chance clay cliff dale dean earl frank gene glen hunter
  lance lane miles max pierce reed rich rock rod sterling victor wade ward warren wood woody
  young king prince princess duke brown green white black gray grey hall hill bell bush cook
  baker bishop butler church cross fox gold hunt knight long lord marsh mason mills north south
  east west page park porter price rice shepherd short small stone strong swift wall walker wells
  wise wolf house field brook banks booth bond bird barber bowman brewer cash chambers crane day
  farmer forest foster glass good goodman hart hawk hay head heath horn lamb law little love major
  marshall merry moss noble oak pool post pound power read reader ridge rivers sage salmon sharp
  silver sparrow steel street summers sweet tanner turner vale waters weaver wren
`;

const COMMON_NAME_WORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));

export function isCommonWord(name: string): boolean {
  return COMMON_NAME_WORDS.has(name.toLowerCase());
}
